import { Mode } from '@ultra/contracts/chat';
import { isRecord, type Clock } from '@ultra/core';
import type { ModeEngine } from './engine/engine.ts';

/** The Redis key that holds the fleet's pin, with the pin's own expiry (PX). */
export const PIN_KEY = 'ultra:health:pin';

/** A pin read back differs from the one held when its end moved by more than this (clock reads, the round trip), ms. */
const SAME_END_MS = 1_000;

/** How long `PinMode` waits for Redis before it answers with the pin held here only, ms. */
const WRITE_WAIT_MS = 1_000;

const PINNABLE = [Mode.NORMAL, Mode.DEGRADED, Mode.CRITICAL, Mode.OUTAGE];

/** The commands the keeper needs (an ioredis client has them). */
export interface PinRedis {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  pttl(key: string): Promise<number>;
  del(key: string): Promise<number>;
}

export interface PinKeeperDeps {
  readonly engine: ModeEngine;
  readonly clock: Clock;
  /** The shared Redis; without one, a pin is this replica's alone (one health service). */
  readonly redis?: PinRedis | undefined;
  readonly log: { warn(fields: object, message: string): void };
}

/**
 * An operator's pin (`PinMode`, `UnpinMode`), held by every health replica: written to
 * Redis with its own expiry and read back by each replica at every evaluation, so a pin
 * set on one replica holds on all of them within `modes.evaluate_every`, and the routers,
 * whichever replica they follow, see one mode. A pin set while Redis cannot be reached is
 * held here at once and written when Redis answers again (a pin is for bad moments);
 * until then the other replicas do not have it, and the log says so.
 */
export function createPinKeeper(deps: PinKeeperDeps) {
  const { engine, clock, redis, log } = deps;
  /** A change made here that Redis has not taken yet: the pin, or `null` for an unpin. */
  let unwritten: { mode: Mode; until: number; reason: string } | null | undefined;

  const write = async (): Promise<void> => {
    if (!redis || unwritten === undefined) return;
    const change = unwritten;
    if (change === null) await redis.del(PIN_KEY);
    else {
      const ms = change.until - clock.now();
      if (ms > 0) await redis.set(PIN_KEY, JSON.stringify({ mode: Mode[change.mode], reason: change.reason }), 'PX', ms);
    }
    if (unwritten === change) unwritten = undefined;
  };
  const tryWrite = async (what: string) => {
    let timer: unknown;
    try {
      // Bounded: an RPC that pins must answer even while Redis hangs.
      await Promise.race([write(), new Promise((_, reject) => (timer = clock.setTimeout(() => reject(new Error(`no answer from Redis within ${WRITE_WAIT_MS} ms`)), WRITE_WAIT_MS)))]);
    } catch (err) {
      log.warn({ err: String(err) }, `${what} holds on this health replica only until Redis answers: ${String(err)}`);
    } finally {
      clock.clearTimeout(timer);
    }
  };

  return {
    async pin(mode: Mode, durationMs: number, reason: string): Promise<void> {
      engine.pin(mode, durationMs, reason);
      unwritten = { mode, until: clock.now() + durationMs, reason };
      await tryWrite(`the pin to ${Mode[mode] ?? mode}`);
    },
    async unpin(): Promise<void> {
      engine.unpin();
      unwritten = null;
      await tryWrite('the unpin');
    },
    /**
     * At each evaluation: writes a change Redis has not taken yet, else takes the fleet's
     * pin from Redis (a pin set, moved or removed on another replica). Returns whether the
     * mode's pin changed here. Throws when Redis does not answer (the caller logs it).
     */
    async sync(): Promise<boolean> {
      if (!redis) return false;
      if (unwritten !== undefined) {
        await write();
        return false;
      }
      const [raw, ttl] = await Promise.all([redis.get(PIN_KEY), redis.pttl(PIN_KEY)]);
      const held = engine.heldPin();
      const shared = raw === null || ttl <= 0 ? undefined : parse(raw);
      if (!shared) {
        if (!held) return false;
        engine.unpin();
        return true;
      }
      const until = clock.now() + ttl;
      if (held && held.mode === shared.mode && held.reason === shared.reason && Math.abs(held.until - until) <= SAME_END_MS) return false;
      engine.pin(shared.mode, ttl, shared.reason);
      return true;
    },
  };
}

export type PinKeeper = ReturnType<typeof createPinKeeper>;

/** `{"mode":"CRITICAL","reason":"..."}`; anything else (another writer, a bad edit) is no pin. */
function parse(raw: string): { mode: Mode; reason: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value['reason'] !== 'string') return undefined;
  const mode = PINNABLE.find((m) => Mode[m] === value['mode']);
  return mode === undefined ? undefined : { mode, reason: value['reason'] };
}
