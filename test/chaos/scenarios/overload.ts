import { closedLoop } from '@ultra/testkit';
import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

const FLOOD = 512;

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
  async inject({ stack, log }) {
    const stop = new AbortController();
    let refused = 0;
    let served = 0;
    const flood = (async () => {
      while (!stop.signal.aborted) {
        const rs = await closedLoop({ url: stack.frontUrl, callers: FLOOD, until: Date.now() + 1_000, priority: 'low', label: 'chaos flood' });
        for (const r of rs) r.status === 200 ? served++ : refused++;
      }
    })();
    return async () => {
      stop.abort();
      await flood;
      log(`flood: ${served} low-priority answers, ${refused} refusals`);
    };
  },
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
