import { atLeast, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** The router loses the health service (Toxiproxy down on router→health) for 8 s. */
export const healthDown: Scenario = {
  name: 'health-down',
  title: 'Health service down',
  fault: 'router→health proxy disabled: the router loses WatchStatus',
  expect: 'requests keep succeeding; the router keeps the last mode, assumes DEGRADED after router_stale_after (3 s), and is back to NORMAL soon after the link returns',
  async inject({ edges }) {
    await edges.down('router-health');
    return () => edges.up('router-health');
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99),
    atLeast('the router assumed DEGRADED while cut off', (f) => (f.clientModes.includes('DEGRADED') ? 1 : 0), 1, 'count'),
    common.successAfter(),
    common.recovers(5_000),
    common.noJobLost,
  ],
};
