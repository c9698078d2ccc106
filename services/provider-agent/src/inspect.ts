import type { BreakerTransition } from '@ultra/resilience';
import type { InspectionEvent } from 'xstate';
import { isRecord } from '@ultra/core';

/** The package the Stately inspector comes in; not a dependency of Ultra (add it to use inspection). */
export const INSPECT_PACKAGE = '@statelyai/inspect';

/** Inspection of the provider actors, when `ULTRA_INSPECT` asks for it. */
export interface Inspection {
  /** Given to `createActor` for its `inspect` option. */
  readonly inspect: (event: InspectionEvent) => void;
  /** Reports a breaker's change by hand: its actor lives inside `@ultra/resilience`, out of reach of `inspect`. */
  breaker(provider: string, change: BreakerTransition): void;
  stop(): void;
}

/** The parts of `@statelyai/inspect` used here, looked up at run time. */
interface StatelyInspector {
  inspect: (event: InspectionEvent) => void;
  actor?: (actor: string, snapshot?: unknown, info?: unknown) => void;
  snapshot?: (actor: string, snapshot: unknown, info?: unknown) => void;
  stop?: () => void;
}

/** A method of `target` found at run time, in the form of a function of any arguments (undefined when it is not one). */
const methodOf = (target: Record<string, unknown>, key: string) => {
  const f = target[key];
  return typeof f === 'function' ? (...args: unknown[]): unknown => Reflect.apply(f, target, args) : undefined;
};

/** What the factory made, if it is an inspector: an `inspect` function or observer, the rest optional. */
function inspectorOf(made: unknown): StatelyInspector | undefined {
  if (!isRecord(made)) return undefined;
  const observer = made['inspect'];
  const inspect = methodOf(made, 'inspect') ?? (isRecord(observer) ? methodOf(observer, 'next') : undefined);
  if (!inspect) return undefined;
  const actor = methodOf(made, 'actor');
  const snapshot = methodOf(made, 'snapshot');
  const stop = methodOf(made, 'stop');
  return { inspect, ...(actor ? { actor } : {}), ...(snapshot ? { snapshot } : {}), ...(stop ? { stop } : {}) };
}

export interface LoadInspectionDeps {
  /** Prints one line for people (the agent's logger). */
  readonly say: (line: string) => void;
  /** Loads a module; swapped in tests. Default: dynamic `import()`. */
  readonly importModule?: (specifier: string) => Promise<unknown>;
}

/**
 * `ULTRA_INSPECT=1` inspects every provider actor with the Stately Sky inspector (which
 * prints the URL to open); `ULTRA_INSPECT=ws://host:port` sends to a WebSocket inspector
 * instead. Unset (or `0`), nothing is loaded and nothing is paid. When the package is
 * missing, one line says so and the agent runs without inspection.
 */
export async function loadInspection(setting: string | undefined, deps: LoadInspectionDeps): Promise<Inspection | undefined> {
  if (setting === undefined || setting === '' || setting === '0') return undefined;
  const importModule = deps.importModule ?? ((specifier: string): Promise<unknown> => import(specifier));
  let mod: unknown;
  try {
    mod = await importModule(INSPECT_PACKAGE);
  } catch {
    deps.say(`ULTRA_INSPECT=${setting} but ${INSPECT_PACKAGE} is not installed (npm install -D ${INSPECT_PACKAGE}); running without inspection`);
    return undefined;
  }
  const url = /^wss?:\/\//.test(setting) ? setting : undefined;
  const name = url ? 'createWebSocketInspector' : 'createSkyInspector';
  const factory = isRecord(mod) ? methodOf(mod, name) : undefined;
  if (!factory) {
    deps.say(`ULTRA_INSPECT=${setting} but ${INSPECT_PACKAGE} has no ${name}; running without inspection`);
    return undefined;
  }
  const inspector = inspectorOf(factory(...(url ? [{ url }] : [])));
  if (!inspector) {
    deps.say(`ULTRA_INSPECT=${setting} but ${INSPECT_PACKAGE}'s ${name} gave no inspector (no inspect function); running without inspection`);
    return undefined;
  }
  const { inspect } = inspector;
  deps.say(url ? `inspecting the provider actors through ${url}` : 'inspecting the provider actors with the Stately Sky inspector');
  const known = new Set<string>();
  return {
    inspect,
    breaker(provider, change) {
      const id = `breaker:${provider}`;
      const snapshot = { status: 'active', value: change.to, context: { from: change.from, at: change.at, openUntil: change.openUntil } };
      if (known.has(id)) inspector.snapshot?.(id, snapshot, { event: { type: `breaker.${change.to}` } });
      else {
        known.add(id);
        inspector.actor?.(id, snapshot);
      }
    },
    stop() {
      inspector.stop?.();
    },
  };
}
