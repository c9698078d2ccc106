import type { Redis } from 'ioredis';
import type { Clock } from '@ultra/core';
import type { CacheCounters } from './counters.ts';
import { freshness } from './entry.ts';
import { createInvalidationBus, type InvalidationBus } from './invalidation-bus.ts';
import type { BusMessage, Target } from './invalidation.ts';
import type { LocalReplica } from './local-replica.ts';
import type { PendingWrites } from './pending-writes.ts';
import type { RedisLink } from './redis-link.ts';
import { scopeKey, unscope } from './scope.ts';
import type { SharedStore } from './shared-store.ts';
import { createSyncTracker } from './sync-tracker.ts';

export interface RedisSyncDeps {
  subscriber: Redis;
  commands: Redis;
  link: RedisLink;
  shared: SharedStore;
  local: LocalReplica;
  pending: PendingWrites;
  counters: CacheCounters;
  clock: Clock;
  origin: string;
  /** Applies another replica's invalidation to the local replica (and wakes waiters). */
  apply(target: Target): void;
  /** Another replica released the lease on a key. */
  released(scoped: string): void;
  /** Drops every local entry except `keep` (invalidations may have been missed). */
  dropLocal(keep: ReadonlySet<string>): void;
  /** How long to wait between attempts to resync while Redis stays away, in ms. */
  retryMs: number;
}

/** Whether the cache is cut off from Redis, and why; see {@link RedisSync}. */
export interface RedisHealth {
  readonly degraded: boolean;
  /** `ok`, or what is wrong. */
  readonly reason: string;
  onChange(listener: (degraded: boolean) => void): () => void;
}

export interface RedisSync extends RedisHealth {
  /** Resyncs now (also runs by itself on reconnect, breaker close, and on a timer while degraded). */
  recover(): Promise<void>;
  close(): void;
}

/**
 * Keeps the local replica in step with the others through Redis: applies their
 * invalidations, notices missed ones (see `sync-tracker.ts`) and drops the local replica
 * then, replays writes made while Redis was away, and says when the cache is degraded.
 */
export function createRedisSync(deps: RedisSyncDeps): RedisSync {
  const { link, shared, pending, counters, clock } = deps;
  const tracker = createSyncTracker();
  const listeners = new Set<(degraded: boolean) => void>();
  let synced = false;
  /** A gap was heard before the resync that follows a reconnect. */
  let missed = false;
  let last = true;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: unknown;
  let closed = false;

  const reason = () => {
    if (!link.connected) return 'Redis is disconnected';
    if (!bus.subscribed) return 'not subscribed to invalidations';
    if (link.breaker.state !== 'closed') return `Redis breaker ${link.breaker.state}`;
    if (!synced) return 'resyncing';
    return 'ok';
  };
  const update = () => {
    const degraded = reason() !== 'ok';
    if (degraded && !closed && timer === undefined) timer = clock.setTimeout(retry, deps.retryMs);
    if (!degraded && timer !== undefined) {
      clock.clearTimeout(timer);
      timer = undefined;
    }
    if (degraded === last) return;
    last = degraded;
    for (const l of [...listeners]) l(degraded);
  };
  const retry = () => {
    timer = undefined;
    void recover();
  };
  const gap = () => {
    counters.resyncs++;
    deps.dropLocal(pending.putKeys());
  };

  const replay = async (): Promise<boolean> => {
    const writes = pending.take();
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i]!;
      const entry = w.kind === 'put' ? deps.local.get(w.scoped) : undefined;
      let ok: boolean;
      if (w.kind === 'invalidate') ok = (await shared.invalidate(w.target)).ok;
      else if (entry && freshness(entry, clock.now()) !== 'expired') {
        // Written only over an older entry: another replica's newer Put, made while this
        // one was cut off, wins, and this replica drops its own older copy.
        const r = await shared.put(w.scoped, entry, { replay: true });
        ok = r.ok;
        if (r.ok && !r.value) deps.apply(keyTarget(w.scoped));
      } else ok = (await shared.invalidate(keyTarget(w.scoped))).ok;
      if (!ok) {
        pending.restore(writes.slice(i));
        return false;
      }
    }
    return true;
  };

  const once = async () => {
    if (!bus.subscribed || !link.connected) return;
    const point = await shared.syncPoint();
    if (!point.ok) return;
    if (tracker.resync(point.value.epoch, point.value.gen) === 'gap' || missed) gap();
    missed = false;
    synced = await replay();
  };
  const recover = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await once();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
      update();
    });
    return running;
  };

  const onMessage = (m: BusMessage) => {
    if (tracker.heard(m.epoch, m.gen) === 'gap') {
      if (synced) gap();
      else missed = true;
    }
    if (m.origin === deps.origin) return;
    if (m.kind === 'released') return deps.released(scopeKey(m.namespace, m.value));
    counters.invalidationsReceived++;
    deps.apply({ kind: m.kind, namespace: m.namespace, value: m.value, ...(m.writeId !== undefined ? { writeId: m.writeId } : {}) });
  };

  const bus: InvalidationBus = createInvalidationBus({
    subscriber: deps.subscriber,
    channel: shared.keys.channel,
    onMessage,
    onSubscribed: () => void recover(),
    onLost: () => {
      synced = false;
      update();
    },
  });
  const onReady = () => void recover();
  const onClose = () => update();
  deps.commands.on('ready', onReady);
  deps.commands.on('close', onClose);
  const unwatch = link.breaker.onChange((state) => {
    if (state === 'open') synced = false;
    if (state === 'closed') void recover();
    update();
  });
  update();

  return {
    get degraded() {
      return last;
    },
    get reason() {
      return reason();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    recover,
    close() {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      bus.close();
      unwatch();
      deps.commands.off('ready', onReady);
      deps.commands.off('close', onClose);
    },
  };
}

function keyTarget(scoped: string): Target {
  const { namespace, key } = unscope(scoped);
  return { kind: 'key', namespace, value: key };
}
