import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import { Mode } from '@ultra/contracts/chat';
import {
  GetStatusResponseSchema,
  HealthService,
  ModeChangeSchema,
  StatusSchema,
  WatchStatusResponseSchema,
  type ModeChange,
} from '@ultra/contracts/health';
import { createNotifier, type Clock } from '@ultra/core';
import { evaluateMode } from './mode-rules.ts';
import type { Registry } from './registry.ts';

const HISTORY = 100;

/** Keeps the mode up to date with the registry, and a bounded history of its changes. */
export function createModeTracker(clock: Clock) {
  let mode: Mode = Mode.NORMAL;
  let reason = '';
  let since = clock.now();
  const history: ModeChange[] = [];
  const changes = createNotifier();
  return {
    changes,
    get: () => ({ mode, reason, since }),
    history: () => history,
    update(registry: Registry) {
      const next = evaluateMode(registry.all());
      if (next.mode !== mode) {
        history.push(create(ModeChangeSchema, { from: mode, to: next.mode, reason: next.reason, at: timestampFromMs(clock.now()) }));
        if (history.length > HISTORY) history.shift();
        mode = next.mode;
        since = clock.now();
      }
      reason = next.reason;
      changes.notify();
    },
  };
}

export type ModeTracker = ReturnType<typeof createModeTracker>;

/** HealthService handlers. */
export function createHealthService(deps: { registry: Registry; tracker: ModeTracker; shutdown: AbortSignal }): ServiceImpl<typeof HealthService> {
  const status = () => {
    const s = deps.tracker.get();
    return create(StatusSchema, {
      mode: s.mode,
      reason: s.reason,
      since: timestampFromMs(s.since),
      components: deps.registry.all().map((c) => ({ name: c.name, kind: c.kind, status: c.status, detail: c.detail })),
    });
  };
  return {
    getStatus() {
      return create(GetStatusResponseSchema, { status: status(), history: deps.tracker.history() });
    },
    async *watchStatus(_req, ctx) {
      const { changes } = deps.tracker;
      let seen = -1;
      while (!ctx.signal.aborted && !deps.shutdown.aborted) {
        if (changes.version !== seen) {
          seen = changes.version;
          yield create(WatchStatusResponseSchema, { status: status() });
        }
        await changes.wait(seen, ctx.signal, deps.shutdown);
      }
    },
  };
}
