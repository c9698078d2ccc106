import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { Mode } from '@ultra/contracts/chat';
import {
  GetStatusResponseSchema,
  HealthService,
  ModeChangeSchema,
  PinModeResponseSchema,
  ReportLoadResponseSchema,
  StatusSchema,
  UnpinModeResponseSchema,
  WatchStatusResponseSchema,
} from '@ultra/contracts/health';
import { systemClock, type Clock, type Notifier } from '@ultra/core';
import { loadComponentOf } from './load-report.ts';
import type { ModeEngine } from './engine/engine.ts';
import type { PinKeeper } from './pin-keeper.ts';
import type { Registry } from './registry.ts';

const MAX_PIN_MS = 24 * 3_600_000;

export interface HealthServiceDeps {
  registry: Registry;
  engine: ModeEngine;
  /** Operators' pins, shared with the other health replicas through Redis. */
  pins: Pick<PinKeeper, 'pin' | 'unpin'>;
  /** Notified on every change of mode, reason or component. */
  changes: Notifier;
  shutdown: AbortSignal;
  /** Stamps load reports. Default: the system clock. */
  clock?: Clock | undefined;
}

/** HealthService handlers. */
export function createHealthService(deps: HealthServiceDeps): ServiceImpl<typeof HealthService> {
  const { engine, changes } = deps;
  const status = () => {
    const s = engine.current();
    return create(StatusSchema, {
      mode: s.mode,
      reason: s.reason,
      since: timestampFromMs(s.since),
      ...(s.pinnedUntil !== undefined ? { pinnedUntil: timestampFromMs(s.pinnedUntil) } : {}),
      components: deps.registry.all().map((c) => ({ name: c.name, kind: c.kind, status: c.status, detail: c.detail })),
    });
  };
  return {
    getStatus() {
      const history = engine.history().map((h) => create(ModeChangeSchema, { from: h.from, to: h.to, reason: h.reason, at: timestampFromMs(h.at) }));
      return create(GetStatusResponseSchema, { status: status(), history });
    },
    async *watchStatus(_req, ctx) {
      let seen = -1;
      while (!ctx.signal.aborted && !deps.shutdown.aborted) {
        if (changes.version !== seen) {
          seen = changes.version;
          yield create(WatchStatusResponseSchema, { status: status() });
          continue;
        }
        await changes.wait(seen, ctx.signal, deps.shutdown);
      }
    },
    async pinMode(req) {
      if (req.mode === Mode.UNSPECIFIED || Mode[req.mode] === undefined) {
        throw new ConnectError('mode: must be one of MODE_NORMAL, MODE_DEGRADED, MODE_CRITICAL, MODE_OUTAGE', Code.InvalidArgument);
      }
      const ms = Number(req.durationMs);
      if (ms <= 0 || ms > MAX_PIN_MS) {
        throw new ConnectError(`duration_ms: must be between 1 and ${MAX_PIN_MS} (24 h), got ${ms}`, Code.InvalidArgument);
      }
      await deps.pins.pin(req.mode, ms, req.reason || 'no reason given');
      changes.notify();
      return create(PinModeResponseSchema, { status: status() });
    },
    reportLoad(req) {
      deps.registry.set(loadComponentOf(req, (deps.clock ?? systemClock).now()));
      return create(ReportLoadResponseSchema, {});
    },
    async unpinMode() {
      await deps.pins.unpin();
      changes.notify();
      return create(UnpinModeResponseSchema, { status: status() });
    },
  };
}
