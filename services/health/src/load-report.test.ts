import { create } from '@bufbuild/protobuf';
import { Mode } from '@ultra/contracts/chat';
import { ComponentStatus, ReportLoadRequestSchema } from '@ultra/contracts/health';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, evaluate } from './engine/rules.ts';
import { loadComponentOf, LOAD_REPORT_TTL_MS } from './load-report.ts';
import { createRegistry, observationOf } from './registry.ts';

const report = (pressure: number, shed: string[] = [], reason = '') =>
  create(ReportLoadRequestSchema, { instance: 'router@127.0.0.1:8080', eventLoopDelayMs: 180, inFlight: 520, heapUsed: 0.3, pressure, shed, reason });

describe('the resource_constraints rule', () => {
  it('steps down to DEGRADED while a replica sheds load, the reason naming the replica, why and what it sheds', () => {
    const registry = createRegistry(() => undefined);
    registry.set(loadComponentOf(report(2, ['batch', 'low'], 'event-loop delay 180 ms'), 1_000));
    const obs = { ...observationOf(registry, []), providers: [{ name: 'a', tier: 'primary', healthy: true }], tiers: ['primary'] };
    expect(evaluate(DEFAULT_RULES, obs)).toEqual({
      mode: Mode.DEGRADED,
      reason: 'router@127.0.0.1:8080 is short of resources: event-loop delay 180 ms; shedding batch, low priority',
    });
    expect(registry.all()[0]).toMatchObject({ name: 'load:router@127.0.0.1:8080', kind: 'load', status: ComponentStatus.DEGRADED });
  });

  it('counts a replica letting fewer requests in (its in-flight limit lowered) as short of resources, saying how many it lets in', () => {
    const registry = createRegistry(() => undefined);
    const limited = create(ReportLoadRequestSchema, { instance: 'router@127.0.0.1:8080', inFlight: 40, pressure: 0, reason: 'it adds 180 ms to an answer at 40 requests in flight', inFlightLimit: 36 });
    registry.set(loadComponentOf(limited, 1_000));
    expect(observationOf(registry, []).constrained).toEqual([
      { name: 'router@127.0.0.1:8080', detail: 'it adds 180 ms to an answer at 40 requests in flight; letting in 36 requests at once (all but high priority)' },
    ]);
  });

  it('is calm again when the replica reports no pressure, or stops reporting', () => {
    const registry = createRegistry(() => undefined);
    registry.set(loadComponentOf(report(0), 1_000));
    expect(observationOf(registry, []).constrained).toEqual([]);
    registry.set(loadComponentOf(report(0.5, [], 'event-loop delay 60 ms'), 2_000));
    expect(observationOf(registry, []).constrained).toEqual([{ name: 'router@127.0.0.1:8080', detail: 'event-loop delay 60 ms; shedding part of its lowest-priority traffic' }]);
    registry.expireLoad(2_000 + LOAD_REPORT_TTL_MS - 1 - LOAD_REPORT_TTL_MS);
    expect(registry.all()).toHaveLength(1);
    registry.expireLoad(2_001);
    expect(observationOf(registry, []).constrained).toEqual([]);
  });
});
