import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { sendChat, type Sample } from './send.ts';

/** The steady load a scenario runs under. */
export interface LoadOptions {
  /** Requests sent per second, on a fixed schedule whatever the answers do (open loop). Default 20. */
  rate: number;
  /** Share of requests (0..1) sent with `stream: true`. Default 0. */
  streamShare: number;
  /**
   * Share of requests (0..1) that repeat one of `hotPrompts` prompts, so that the cache
   * has something to answer; the rest are all distinct, so the cache hides no fault. Default 0.
   */
  repeatShare: number;
  /** Distinct repeated prompts. Default 5. */
  hotPrompts: number;
  /** The client gives up on a request after this long, ms. Default 10 000. */
  timeoutMs: number;
  /** `x-ultra-priority` of every request; '' sends none (normal). Default ''. */
  priority: string;
}

export const defaultLoadOptions: LoadOptions = Object.freeze({ rate: 20, streamShare: 0, repeatShare: 0, hotPrompts: 5, timeoutMs: 10_000, priority: '' });

/** A running load generator. */
export interface Load {
  /** Every request answered so far. */
  readonly samples: readonly Sample[];
  /** Stops sending and waits for every request in flight; resolves with all samples in send order. */
  stop(): Promise<Sample[]>;
}

/** Golden-ratio sequence: spreads a share over the request numbers evenly and repeatably. */
const spread = (i: number, salt: number) => ((i + salt) * 0.6180339887498949) % 1;

/**
 * Sends chat requests to the router's front door at a fixed rate (open loop: a slow
 * answer does not delay the next request, so latency under a fault is not hidden).
 * `now()` is the run's clock (ms since its start); `tag` keeps prompts distinct across runs.
 */
export function startLoad(frontUrl: string, options: Partial<LoadOptions>, now: () => number, tag: string): Load {
  const o = { ...defaultLoadOptions, ...options };
  // Idle sockets close after 1 s, well before the router's 5 s keep-alive timeout: a request
  // sent on a socket the server is closing at that moment fails with ECONNRESET, a race
  // of HTTP/1.1 keep-alive that says nothing about Ultra.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 1_000 });
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<Sample>>();
  const interval = 1000 / o.rate;
  const begin = performance.now();
  let i = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const fire = () => {
    if (stopped) return;
    const hot = spread(i, 0) < o.repeatShare;
    const prompt = hot ? `chaos ${tag}: hot question ${i % o.hotPrompts}` : `chaos ${tag}: question ${i}`;
    const call = { i, sentAt: now(), prompt, stream: spread(i, 7) < o.streamShare, repeat: hot, timeoutMs: o.timeoutMs, ...(o.priority ? { priority: o.priority } : {}) };
    const p = sendChat(agent, frontUrl, call).then((s) => {
      samples.push(s);
      inFlight.delete(p);
      return s;
    });
    inFlight.add(p);
    i++;
    // Drift-free: the n-th request goes at begin + n × interval.
    timer = setTimeout(fire, Math.max(0, begin + i * interval - performance.now()));
  };
  fire();

  return {
    samples,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...inFlight]);
      agent.destroy();
      return [...samples].sort((a, b) => a.i - b.i);
    },
  };
}
