import { ComponentStatus } from '@ultra/contracts/health';
import type { ComponentView } from './registry.ts';

/** What one replica of a service said last: serving, not serving (with why), or not heard from yet. */
export type ReplicaState = { readonly status: 'serving' } | { readonly status: 'not-serving' | 'starting'; readonly detail: string };

/**
 * The replicas of one service, as the health service sees them (one watch per endpoint of
 * the service's `dial` list), folded into one component: up while at least `min` replicas
 * serve (`modes.min_serving`), so that one replica restarting, a rolling update, or a
 * replica draining on SIGTERM changes no mode while the others serve. Not serving, it says
 * which replicas are down and why; while no replica is heard from yet and some are still
 * starting, it is starting (neither up nor down).
 */
export function createReplicaCensus(options: { readonly id: string; readonly min: number }) {
  const replicas = new Map<string, ReplicaState>();
  const view = (): ComponentView => {
    const all = [...replicas];
    const serving = all.filter(([, s]) => s.status === 'serving').length;
    const total = all.length;
    const base = { name: options.id, kind: 'service' as const };
    if (serving >= options.min) {
      const detail = total > 1 && serving < total ? `${serving} of ${total} replicas serving` : '';
      return { ...base, status: ComponentStatus.SERVING, detail };
    }
    const down = all.filter(([, s]) => s.status !== 'serving');
    if (serving === 0 && down.length > 0 && down.every(([, s]) => s.status === 'starting')) {
      return { ...base, status: ComponentStatus.STARTING, detail: describe(down) };
    }
    if (total === 0) return { ...base, status: ComponentStatus.NOT_SERVING, detail: 'no replica found at its dial addresses' };
    const need = options.min > 1 ? ` (needs ${options.min})` : '';
    const prefix = total > 1 || options.min > 1 ? `${serving} of ${total} replicas serving${need}: ` : '';
    return { ...base, status: ComponentStatus.NOT_SERVING, detail: prefix + describe(down) };
  };
  return {
    /** Records what the replica at `endpoint` said; the service's component after it. */
    set(endpoint: string, state: ReplicaState): ComponentView {
      replicas.set(endpoint, state);
      return view();
    },
    /** A replica gone from the dial list (a `dns:` name no longer has it). */
    remove(endpoint: string): ComponentView {
      replicas.delete(endpoint);
      return view();
    },
    view,
  };
}

export type ReplicaCensus = ReturnType<typeof createReplicaCensus>;

/** `127.0.0.1:50061 unreachable: connect ECONNREFUSED; 127.0.0.1:50062 NOT_SERVING`, one replica: its detail alone. */
function describe(down: readonly (readonly [string, ReplicaState])[]): string {
  const [only] = down;
  if (down.length === 1 && only) return detailOf(only[1]);
  return down.map(([endpoint, s]) => `${endpoint} ${detailOf(s)}`).join('; ');
}

const detailOf = (s: ReplicaState) => (s.status === 'serving' ? 'serving' : s.detail);
