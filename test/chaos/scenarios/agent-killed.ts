import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** The provider-agent process is killed (SIGKILL, as a crash or the OOM killer would) and started again 4 s later. */
export const agentKilled: Scenario = {
  name: 'agent-killed',
  title: 'Agent killed (SIGKILL) and restarted',
  fault: 'SIGKILL to the provider-agent process; 4 s later a new one is started from the same config (the fault lasts until it is ready)',
  expect: 'while it is gone, repeated prompts are answered from the cache and the rest fail fast with 503 (no hanging); once it is back, traffic resumes within seconds',
  load: { repeatShare: 0.2 },
  phases: { faultMs: 4_000 },
  faultEndsWhenRemoved: true,
  backWhen: (s) => s.ok && s.servedFrom === 'provider',
  async inject({ stack }) {
    await stack.processes.agent.stop('SIGKILL');
    return () => stack.restart('agent');
  },
  bounds: [
    common.baselineClean,
    atLeast('repeated prompts answered during ≥ 95 %', (f) => (f.during.repeats === 0 ? undefined : f.during.repeatsOk / f.during.repeats), 0.95),
    atMost('p99 during ≤ 2 s (failures are fast, nothing hangs)', (f) => f.during.p99, 2_000),
    common.successAfter(0.95),
    common.recovers(8_000),
    common.noJobLost,
  ],
};
