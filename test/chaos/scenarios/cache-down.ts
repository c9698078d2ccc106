import { atLeast, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** The cache service unreachable for the router and the health service (Toxiproxy down on the cache edge). */
export const cacheDown: Scenario = {
  name: 'cache-down',
  title: 'Cache service down',
  fault: 'router→cache proxy disabled (the health service dials the cache through it too)',
  expect: 'every request still succeeds from the providers (a cache failure is a miss); the mode says DEGRADED; cache hits resume when it returns',
  load: { repeatShare: 0.3 },
  backWhen: (s) => s.ok && s.servedFrom === 'cache',
  async inject({ edges }) {
    await edges.down('router-cache');
    return () => edges.up('router-cache');
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99),
    common.cacheWaitsBounded,
    common.successAfter(),
    common.recovers(8_000),
    common.noJobLost,
  ],
};
