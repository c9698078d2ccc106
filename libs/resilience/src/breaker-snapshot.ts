import { isOneOf, isRecord } from '@ultra/core';
import type { BreakerState } from './breaker-types.ts';

/**
 * What a breaker needs to come back after a restart: plain JSON, safe to keep in Redis.
 * A breaker restored while open stays open until the same `openUntil`.
 */
export interface BreakerSnapshot {
  readonly version: 1;
  readonly state: BreakerState;
  /** Epoch ms when the open period started (open only). */
  readonly openedAt?: number;
  /** Epoch ms when the open period ends (open only). */
  readonly openUntil?: number;
  /** Trips since the breaker last closed; decides how long the next trip lasts. */
  readonly consecutiveTrips: number;
}

const STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'forced-open', 'disabled', 'metrics-only'];

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Checks a value read back from storage (e.g. `JSON.parse` of a Redis string).
 * @returns the snapshot, or `problem`: a sentence saying what is wrong and with what value
 */
export function parseBreakerSnapshot(value: unknown): ParsedBreakerSnapshot {
  const result = check(value);
  return typeof result === 'string' ? { ok: false, problem: result } : { ok: true, snapshot: result };
}

export type ParsedBreakerSnapshot =
  | { readonly ok: true; readonly snapshot: BreakerSnapshot }
  | { readonly ok: false; readonly problem: string };

function check(v: unknown): BreakerSnapshot | string {
  if (!isRecord(v)) return `breaker snapshot must be an object, got ${JSON.stringify(v)}`;
  if (v['version'] !== 1) return `breaker snapshot version must be 1, got ${JSON.stringify(v['version'])}`;
  const state = v['state'];
  if (!isOneOf(STATES, state)) return `breaker snapshot state must be one of ${STATES.join(', ')}, got ${JSON.stringify(state)}`;
  const trips = v['consecutiveTrips'];
  if (typeof trips !== 'number' || !Number.isInteger(trips) || trips < 0) return `breaker snapshot consecutiveTrips must be an integer ≥ 0, got ${JSON.stringify(trips)}`;
  if (state !== 'open') return { version: 1, state, consecutiveTrips: trips };
  const { openedAt, openUntil } = v;
  if (!isTime(openedAt) || !isTime(openUntil) || openUntil < openedAt) {
    return `an open breaker snapshot needs epoch-ms openedAt ≤ openUntil, got ${JSON.stringify({ openedAt, openUntil })}`;
  }
  return { version: 1, state: 'open', openedAt, openUntil, consecutiveTrips: trips };
}
