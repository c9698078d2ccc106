import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { BreakerState, ProviderAgentService } from '@ultra/contracts/provider-agent';
import type { BenchContext } from '../context.ts';
import { n } from '../context.ts';
import { closedLoop } from '../lib/closed-loop.ts';
import { promptOf } from '../lib/paths.ts';
import { createRecorder, type Summary } from '../lib/samples.ts';

const PRIMARY = 'openai';
const CHAT = '/v1/chat/completions';

export interface FailoverFigures {
  concurrency: number;
  durationMs: number;
  deadlineMs: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  /** Every request, failed ones included, in ms. */
  latency: Summary;
  /** Answers whose attempts list the primary (it was tried, timed out, and another answered). */
  answersThatTriedPrimary: number;
  /** Breaker states of the primary as the agent published them, ms after the fault was set. */
  breakerEvents: Array<{ atMs: number; state: string }>;
  breakerOpenedAtMs: number | null;
  /** Chat requests that reached the primary during the phase, and after its breaker opened. */
  primaryRequests: number;
  primaryRequestsAfterOpen: number | null;
  /** Health probes that reached the primary during the phase (model lists, not chat). */
  primaryProbes: number;
  /** When the last chat request reached the primary, ms after the fault was set. */
  lastPrimaryRequestAtMs: number | null;
}

interface SimCounts {
  chat: number;
  probes: number;
}

async function simCounts(simUrl: string): Promise<SimCounts> {
  const stats = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as { providers: Record<string, { probes: number; byPath: Record<string, number> }> };
  const p = stats.providers[PRIMARY];
  return { chat: p?.byPath[CHAT] ?? 0, probes: p?.probes ?? 0 };
}

/**
 * Failover: the primary hangs (accepts and never answers, probes included). Cache-miss
 * requests over gRPC with a deadline go on at a fixed concurrency; the agent's attempt
 * timeout gives up on the primary, the router fails over to the secondary. Measured:
 * latency over every request, and the chat requests that still reach the primary after
 * its breaker opened (counted at the simulator, the breaker's state from the agent's
 * WatchProviders stream).
 */
export async function failoverPhase(ctx: BenchContext): Promise<FailoverFigures> {
  const { plan, runId, stack } = ctx;
  const { concurrency, durationMs, deadlineMs } = plan.failover;
  const agent = createClient(ProviderAgentService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.shared.agent}` }));
  const watching = new AbortController();
  let t0 = performance.now();
  const breakerEvents: FailoverFigures['breakerEvents'] = [];
  let openedAt: number | null = null;
  let countAtOpen: Promise<SimCounts> | undefined;
  const watch = (async () => {
    let last: BreakerState | undefined;
    for await (const res of agent.watchProviders({}, { signal: watching.signal })) {
      const p = res.providers.find((x) => x.name === PRIMARY);
      if (!p || p.breaker === last) continue;
      last = p.breaker;
      const atMs = performance.now() - t0;
      breakerEvents.push({ atMs, state: BreakerState[p.breaker] ?? String(p.breaker) });
      if (p.breaker === BreakerState.OPEN && openedAt === null) {
        openedAt = atMs;
        countAtOpen = simCounts(stack.simUrl);
      }
    }
  })().catch(() => undefined);
  let lastChat = -1;
  let lastChatAt: number | null = null;
  const poll = setInterval(() => {
    void simCounts(stack.simUrl).then((c) => {
      if (c.chat !== lastChat) {
        if (lastChat >= 0) lastChatAt = performance.now() - t0;
        lastChat = c.chat;
      }
    });
  }, 50);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = await simCounts(stack.simUrl);
  lastChat = before.chat;
  const setFault = await fetch(`${stack.simUrl}/_sim/providers/${PRIMARY}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hang: true }) });
  if (!setFault.ok) throw new Error(`cannot set the fault: ${setFault.status} ${await setFault.text()}`);
  t0 = performance.now();
  breakerEvents.length = 0;
  lastChatAt = null;
  let triedPrimary = 0;
  const latency = createRecorder();
  const failed = createRecorder();
  const r = await closedLoop(
    async (i) => {
      const providers = await ctx.a.grpc(promptOf(`${runId}-f${i}`), 'provider', deadlineMs);
      if (providers.includes(PRIMARY)) triedPrimary++;
    },
    { concurrency, durationMs, ok: latency, failed },
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  clearInterval(poll);
  const after = await simCounts(stack.simUrl);
  await fetch(`${stack.simUrl}/_sim/providers/${PRIMARY}/faults`, { method: 'DELETE' });
  watching.abort();
  await watch;
  const all = createRecorder(latency.count + failed.count);
  for (const v of latency.sorted()) all.add(v);
  for (const v of failed.sorted()) all.add(v);
  const atOpen = countAtOpen ? await countAtOpen : undefined;
  const figures: FailoverFigures = {
    concurrency,
    durationMs,
    deadlineMs,
    requests: r.completed + r.errors,
    errors: r.errors,
    errorSamples: r.errorSamples,
    latency: all.summary(),
    answersThatTriedPrimary: triedPrimary,
    breakerEvents,
    breakerOpenedAtMs: openedAt,
    primaryRequests: after.chat - before.chat,
    primaryRequestsAfterOpen: atOpen ? after.chat - atOpen.chat : null,
    primaryProbes: after.probes - before.probes,
    lastPrimaryRequestAtMs: lastChatAt,
  };
  ctx.log(
    `failover: ${n(figures.requests)} requests, ${figures.errors} errors, p99 ${figures.latency.p99.toFixed(1)} ms; primary got ${figures.primaryRequests} chat requests` +
      (openedAt === null ? '; its breaker never reported OPEN' : `, ${figures.primaryRequestsAfterOpen} after its breaker opened at ${(openedAt / 1000).toFixed(2)} s`) +
      `; breaker: ${breakerEvents.map((e) => `${e.state}@${(e.atMs / 1000).toFixed(2)}s`).join(' → ') || 'no change published'}`,
  );
  return figures;
}
