import { atLeast, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

const RATE_KB_S = 1;

/** openai's link carries 1 KB/s downstream (Toxiproxy `bandwidth`): a 0.6 KB answer takes ~0.6 s, several at once queue up. */
export const bandwidthStarved: Scenario = {
  name: 'bandwidth-starved',
  title: 'Bandwidth-starved provider link',
  fault: `bandwidth toxic on agent→openai, downstream, ${RATE_KB_S} KB/s`,
  expect: 'answers from openai crawl; calls that pass the 2 s attempt timeout fail over; no request outlives its deadline',
  target: 'openai',
  countCallsBy: 'simulator',
  async inject({ edges }) {
    return edges.toxic('agent-openai', { name: 'thin', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: RATE_KB_S } });
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 95 %', (f) => f.during.success, 0.95),
    common.deadlineHeld,
    common.successAfter(),
    common.recovers(15_000),
    common.noJobLost,
  ],
};
