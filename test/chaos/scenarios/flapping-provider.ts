import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

const PERIOD_MS = 1_000;

/** openai's link goes down and up every second for the whole fault (Toxiproxy down/up). */
export const flappingProvider: Scenario = {
  name: 'flapping-provider',
  title: 'Flapping provider',
  fault: `agent→openai proxy disabled and enabled again every ${PERIOD_MS / 1000} s`,
  expect: 'requests keep succeeding through failover; hysteresis keeps the mode from flapping with the link',
  target: 'openai',
  countCallsBy: 'attempts',
  async inject({ edges, sleep }) {
    let on = true;
    const flapping = (async () => {
      let down = false;
      while (on) {
        down = !down;
        await (down ? edges.down('agent-openai') : edges.up('agent-openai'));
        await sleep(PERIOD_MS);
      }
      await edges.up('agent-openai');
    })();
    return async () => {
      on = false;
      await flapping;
    };
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99),
    atMost('mode changes ≤ 4 (hysteresis holds the mode while the link flaps)', (f) => f.modeChanges.length, 4, 'count'),
    common.successAfter(),
    common.recovers(15_000),
    common.noJobLost,
  ],
};
