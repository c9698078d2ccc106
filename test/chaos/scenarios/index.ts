import type { Scenario } from '../harness/scenario.ts';
import { agentKilled } from './agent-killed.ts';
import { agentLinkBlip } from './agent-link-blip.ts';
import { bandwidthStarved } from './bandwidth-starved.ts';
import { cacheDown } from './cache-down.ts';
import { flappingProvider } from './flapping-provider.ts';
import { healthDown } from './health-down.ts';
import { overload } from './overload.ts';
import { provider429Storm } from './provider-429-storm.ts';
import { providerDown } from './provider-down.ts';
import { providerHang } from './provider-hang.ts';
import { providerResetMidStream } from './provider-reset-mid-stream.ts';
import { providerSlow } from './provider-slow.ts';
import { redisDown } from './redis-down.ts';
import { redisSlow } from './redis-slow.ts';
import { slowProviderRealistic } from './slow-provider-realistic.ts';
import { twoFaults } from './two-faults.ts';

/** The whole matrix, in the order `npm run chaos` runs it. */
export const SCENARIOS: readonly Scenario[] = [
  providerDown,
  providerSlow,
  providerHang,
  providerResetMidStream,
  provider429Storm,
  flappingProvider,
  redisDown,
  redisSlow,
  agentKilled,
  cacheDown,
  healthDown,
  bandwidthStarved,
  twoFaults,
  agentLinkBlip,
  overload,
  slowProviderRealistic,
];

/**
 * The fast subset CI runs on every push (`test/chaos/matrix.test.ts`), about 30 s each:
 * a provider refusing connections, a provider that accepts and never answers, Redis gone,
 * the agent process killed, and the cache service gone: one fault on each kind of edge.
 */
export const CI_SUBSET: readonly string[] = ['provider-down', 'provider-hang', 'redis-down', 'agent-killed', 'cache-down'];
