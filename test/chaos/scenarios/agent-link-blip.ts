import { atLeast, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** Every provider answers after 300 ms, so that at any moment about six requests are in flight through the agent. */
const SLOWISH = { latencyMs: 300 };

/**
 * The router→agent link drops for an instant every 2 s (Toxiproxy down, then up at once):
 * the connections in use are cut, the next ones connect as usual. Not in the issue's
 * list; added because agent-killed showed how the router treats a cut connection.
 */
export const agentLinkBlip: Scenario = {
  name: 'agent-link-blip',
  title: 'Router→agent link blips',
  fault: 'router→agent proxy disabled and enabled again at once, every 2 s (in-flight calls cut, the agent itself fine)',
  expect: 'a call cut by the blip is failed over or retried on a new connection, so clients see no error',
  baseline: { openai: SLOWISH, anthropic: SLOWISH, google: SLOWISH, cohere: SLOWISH },
  async inject({ edges, sleep }) {
    let on = true;
    const blipping = (async () => {
      while (on) {
        await edges.down('router-agent');
        await edges.up('router-agent');
        await sleep(2_000);
      }
    })();
    return async () => {
      on = false;
      await blipping;
    };
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99),
    common.deadlineHeld,
    common.successAfter(),
    common.recovers(5_000),
    common.noJobLost,
  ],
};
