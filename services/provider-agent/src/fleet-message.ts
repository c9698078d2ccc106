import { parseBreakerSnapshot, type BreakerSnapshot, type ForceMode } from '@ultra/resilience';
import type { ProbeResult } from './provider-machine.ts';

/**
 * What one agent tells the others about a provider, on the Redis channel
 * `ultra:agent:fleet`: a change of its breaker, an operator's force, a Retry-After, what
 * its health probe found. Every message names its sender (`from`), which ignores its own.
 */
export type FleetMessage =
  | { readonly kind: 'breaker'; readonly from: string; readonly provider: string; readonly snapshot: BreakerSnapshot }
  | { readonly kind: 'force'; readonly from: string; readonly provider: string; readonly mode: ForceMode }
  | { readonly kind: 'retry-after'; readonly from: string; readonly provider: string; readonly until: number }
  | { readonly kind: 'probe'; readonly from: string; readonly provider: string; readonly result: ProbeResult };

const FORCE_MODES: readonly string[] = ['open', 'closed', 'disabled', 'metrics-only', 'auto'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isForceMode = (v: unknown): v is ForceMode => typeof v === 'string' && FORCE_MODES.includes(v);

/** Checks a message read from the channel; a sentence saying what is wrong when it is not one. */
export function parseFleetMessage(text: string): FleetMessage | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `not JSON (${text.length} characters)`;
  }
  if (!isRecord(value)) return 'not an object';
  const { kind, from, provider } = value;
  if (typeof from !== 'string' || typeof provider !== 'string') return `needs string from and provider, got ${JSON.stringify({ from, provider })}`;
  switch (kind) {
    case 'breaker': {
      const parsed = parseBreakerSnapshot(value['snapshot']);
      return parsed.ok ? { kind, from, provider, snapshot: parsed.snapshot } : parsed.problem;
    }
    case 'force': {
      const mode = value['mode'];
      return isForceMode(mode) ? { kind, from, provider, mode } : `force mode must be one of ${FORCE_MODES.join(', ')}, got ${JSON.stringify(mode)}`;
    }
    case 'retry-after': {
      const until = value['until'];
      return typeof until === 'number' && Number.isFinite(until) ? { kind, from, provider, until } : `retry-after needs an epoch-ms until, got ${JSON.stringify(until)}`;
    }
    case 'probe': {
      const result = value['result'];
      if (!isRecord(result) || typeof result['ok'] !== 'boolean') return `probe needs a result with a boolean ok, got ${JSON.stringify(result)}`;
      if (result['ok']) return { kind, from, provider, result: { ok: true } };
      const detail = result['detail'];
      return { kind, from, provider, result: { ok: false, detail: typeof detail === 'string' ? detail : 'probe failed' } };
    }
    default:
      return `unknown kind ${JSON.stringify(kind)}`;
  }
}
