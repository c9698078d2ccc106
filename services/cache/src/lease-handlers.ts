import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { CacheService, LeaseOutcome, LeaseResponseSchema, ReleaseLeaseResponseSchema, WarmResponseSchema } from '@ultra/contracts/cache';
import { layerOf, type CacheServiceDeps } from './service-deps.ts';
import { runLease } from './lease-flow.ts';
import { forEachLimit, toEntry } from './put-input.ts';
import { scopeKey } from './scope.ts';
import { checkKey, checkMs, checkNamespace } from './validate.ts';

/** Answer this long before the caller's deadline, so a TIMEOUT outcome reaches it in time (ms). */
const DEADLINE_MARGIN_MS = 20;
/** Most entries in one Warm call. */
const MAX_WARM_ENTRIES = 100_000;

type Handlers = Pick<ServiceImpl<typeof CacheService>, 'lease' | 'releaseLease' | 'warm'>;

export function createLeaseHandlers(deps: CacheServiceDeps): Handlers {
  const { store, clock } = deps;
  return {
    async lease(req, ctx) {
      const scoped = scopeKey(checkNamespace(req.namespace), checkKey(req.key, 'key'));
      const leaseMs = checkMs(req.leaseMs, 'lease_ms', deps.leaseMs, { zeroIsDefault: true });
      let waitMs = checkMs(req.waitMs, 'wait_ms', deps.leaseWaitMs, { zeroIsDefault: true });
      const budget = ctx.timeoutMs();
      if (budget !== undefined) waitMs = Math.max(0, Math.min(waitMs, budget - DEADLINE_MARGIN_MS));
      const r = await runLease(store, clock, scoped, { leaseMs, waitMs, allowStale: req.allowStale, signal: ctx.signal });
      const waitedMs = BigInt(Math.max(0, r.waitedMs));
      switch (r.outcome) {
        case 'granted':
          return create(LeaseResponseSchema, { outcome: LeaseOutcome.GRANTED, token: r.token, waitedMs });
        case 'timeout':
          return create(LeaseResponseSchema, { outcome: LeaseOutcome.TIMEOUT, waitedMs });
        default:
          return create(LeaseResponseSchema, {
            outcome: r.outcome === 'hit' ? LeaseOutcome.HIT : LeaseOutcome.STALE,
            value: r.found.entry.value,
            layer: layerOf(r.found.layer),
            stale: r.found.stale,
            ageMs: BigInt(Math.max(0, clock.now() - r.found.entry.storedAt)),
            waitedMs,
          });
      }
    },
    async releaseLease(req) {
      const scoped = scopeKey(checkNamespace(req.namespace), checkKey(req.key, 'key'));
      const released = await store.release(scoped, checkKey(req.token, 'token'));
      return create(ReleaseLeaseResponseSchema, { released });
    },
    async warm(req) {
      if (req.entries.length > MAX_WARM_ENTRIES) {
        throw new ConnectError(`entries has ${req.entries.length} entries, over the limit of ${MAX_WARM_ENTRIES} per call`, Code.InvalidArgument);
      }
      const now = clock.now();
      const made = req.entries.map((e, i) => toEntry(e, deps, now, `entries[${i}].`));
      const counts = { loaded: 0, shared: 0, skipped: 0 };
      await forEachLimit(made, 32, async ({ scoped, entry }) => {
        const r = await store.fill(scoped, entry, req.overwrite);
        if (r === 'skipped') counts.skipped++;
        else counts.loaded++;
        if (r === 'shared') counts.shared++;
      });
      return create(WarmResponseSchema, { loaded: BigInt(counts.loaded), shared: BigInt(counts.shared), skipped: BigInt(counts.skipped) });
    },
  };
}
