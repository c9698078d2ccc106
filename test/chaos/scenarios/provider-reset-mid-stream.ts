import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** Stream chunks every 50 ms, 8 text chunks: about 1.9 KB and 400 ms per streamed answer. */
const SLOW_STREAMS = { chunkDelayMs: 50, chunks: 8 };

/**
 * openai's connections die in the middle of streamed answers: `limit_data` lets 800
 * bytes through per connection (headers, the role chunk and about two text chunks) and
 * then closes it.
 */
export const providerResetMidStream: Scenario = {
  name: 'provider-reset-mid-stream',
  title: 'Provider reset mid-stream',
  fault: 'limit_data toxic on agent→openai, downstream, 800 bytes per connection (streams cut after ~2 text chunks); all requests stream',
  expect: 'a stream cut before its first token fails over; one cut after it ends with an error event saying so, never with a silent end; the breaker takes openai out',
  target: 'openai',
  countCallsBy: 'simulator',
  load: { streamShare: 1 },
  baseline: { openai: SLOW_STREAMS, anthropic: SLOW_STREAMS, google: SLOW_STREAMS, cohere: SLOW_STREAMS },
  async inject({ edges }) {
    return edges.toxic('agent-openai', { name: 'cut', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 800 } });
  },
  bounds: [
    common.baselineClean,
    common.noSilentTruncation,
    atLeast('success during ≥ 70 %', (f) => f.during.success, 0.7),
    atMost('openai taken out within 5 s', (f) => f.isolation?.ms, 5_000),
    common.successAfter(),
    common.recovers(15_000),
    common.noJobLost,
  ],
};
