import { startLoadProcess } from '@ultra/testkit';
import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { FaultContext, Removal, Scenario } from '../harness/scenario.ts';

const FLOOD = 512;

/**
 * Starts the flood's process (it compiles its modules, a second of CPU) before the load is
 * measured; its 512 callers then arrive at once when the fault starts.
 */
async function prepareFlood({ stack, log }: FaultContext): Promise<() => Promise<Removal>> {
  const flood = await startLoadProcess();
  return async () => {
    const stop = new AbortController();
    const served = flood.run({ url: stack.frontUrl, callers: FLOOD, until: Date.now() + 10 * 60_000, priority: 'low', label: 'chaos flood' }, stop.signal);
    return async () => {
      stop.abort();
      const rs = await served;
      const ok = rs.filter((r) => r.status === 200).length;
      log(`flood: ${ok} low-priority answers, ${rs.length - ok} refusals`);
    };
  };
}

/**
 * Ultra itself overloaded: 512 extra callers at low priority flood the front door (each
 * waiting out its Retry-After, as the SDKs do) while the scenario's own load runs at high
 * priority. Nothing is wrong with any provider; the bottleneck is Ultra.
 */
export const overload: Scenario = {
  name: 'overload',
  title: 'Ultra overloaded (low-priority flood)',
  fault: `${FLOOD} closed-loop callers at x-ultra-priority: low on the router's front door, besides the measured load at high priority`,
  expect:
    'high priority is still served (low is shed fast with 503 and a Retry-After); the mode steps down to DEGRADED on the resource_constraints rule while the router sheds, and back to NORMAL after',
  load: { priority: 'high' },
  // A bound on latency under Ultra's own load is about a server that has been up a while:
  // the baseline's few dozen requests leave the services running interpreted code.
  warmup: 2_000,
  inject: async (ctx) => (await prepareFlood(ctx))(),
  prepare: prepareFlood,
  bounds: [
    common.baselineClean,
    atLeast('high-priority success during ≥ 99 %', (f) => f.during.success, 0.99),
    atMost('high-priority p99 during ≤ 3× baseline p99 + 250 ms', (f) => f.during.p99, (f) => 3 * (f.before.p99 ?? 0) + 250),
    atLeast('the mode stepped down (resource_constraints)', (f) => (f.modeChanges.some((m) => m.endsWith('DEGRADED')) ? 1 : 0), 1, 'count'),
    common.successAfter(),
    common.recovers(10_000),
    common.noJobLost,
  ],
};
