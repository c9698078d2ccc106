import { readFileSync } from 'node:fs';
import { byStatus, closedLoop, quantile, startLoadProcess, startStack, type CallResult, type Stack } from '@ultra/testkit';
import type { BenchContext } from '../context.ts';

/**
 * Issue #22's bounds on realistic load, on a stack of its own with every default (one
 * simulated provider; the other phases' stack has a 1 s attempt timeout for failover):
 * - realistic: first token and tokens/s drawn like hosted APIs (the simulator's
 *   `realistic: {}`), many callers, Ultra against the provider called directly;
 * - slow: a provider at 2 s an answer and 128 callers;
 * - limited: a provider answering 429 beyond 16 in flight (500 ms an answer), 64 callers;
 * - overload: 512 low-priority callers beside 8 high-priority ones on a fast provider.
 */
export interface LoadFigures {
  realistic: { callers: number; seconds: number; directRps: number; ultraRps: number; directP50: number; ultraP50: number; directP99: number; ultraP99: number; refused: number };
  slow: { callers: number; latencyMs: number; seconds: number; answers: number; directAnswers: number; refused: number };
  limited: { limit: number; callers: number; measuredS: number; sent: number; limited: number; served: number; capacity: number; refused: number };
  overload: { low: number; high: number; seconds: number; highAnswered: number; highCalls: number; highP99: number; unloadedP99: number; lowRefused: number; lowCalls: number; lowWithoutRetryAfter: number; droppedOrTimedOut: number; rssRatio: number };
}

const ok = (rs: readonly CallResult[]) => rs.filter((r) => r.status === 200);
const rate = (rs: readonly CallResult[], seconds: number) => ok(rs).length / seconds;
const p = (rs: readonly CallResult[], q: number) => quantile(ok(rs).map((r) => r.ms), q);

async function faults(stack: Stack, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${stack.simUrl}/_sim/providers/openai/faults`, { method: 'PUT', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`simulator faults: HTTP ${res.status} ${await res.text()}`);
}

async function simCounts(stack: Stack): Promise<{ sent: number; refused: number }> {
  const s = (await (await fetch(`${stack.simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number; faults: number }> };
  const o = s.providers['openai'] ?? { requests: 0, probes: 0, faults: 0 };
  return { sent: o.requests - o.probes, refused: o.faults };
}

export async function loadPhase(ctx: BenchContext): Promise<LoadFigures> {
  const quick = ctx.plan.mode === 'quick';
  const stack = await startStack({ providers: 'primary: [openai]', healthCheck: '{ interval: 30s, timeout: 10s, threshold: 3 }' });
  const router = `http://127.0.0.1:${stack.ports.routerHttp}`;
  const direct = `${stack.simUrl}/openai`;
  const seconds = (from: number) => (Date.now() - from) / 1000;
  try {
    await closedLoop({ url: router, callers: 8, rounds: 20, label: 'warm' });

    // Realistic latency: Ultra against the provider called directly, same callers.
    const callers = quick ? 64 : 256;
    const span = quick ? 8_000 : 20_000;
    await faults(stack, { realistic: {} });
    // Answers a second are those that ended within the span: the calls still running when it
    // ends take up to the longest draw (tens of seconds), and counting the time they take
    // would make the rate a measure of one tail draw rather than of the path.
    const within = (rs: readonly CallResult[], from: number) => rs.filter((r) => r.at <= from + span);
    let t = Date.now();
    const d = within(await closedLoop({ url: direct, callers, until: t + span, label: 'real-direct' }), t);
    t = Date.now();
    const u = within(await closedLoop({ url: router, callers, until: t + span, label: 'real-ultra' }), t);
    const realistic = { callers, seconds: span / 1000, directRps: rate(d, span / 1000), ultraRps: rate(u, span / 1000), directP50: p(d, 0.5), ultraP50: p(u, 0.5), directP99: p(d, 0.99), ultraP99: p(u, 0.99), refused: u.length - ok(u).length };
    ctx.log(`load, realistic: ${callers} callers, ${realistic.ultraRps.toFixed(1)} vs ${realistic.directRps.toFixed(1)} answers/s directly, p99 ${realistic.ultraP99} vs ${realistic.directP99} ms, ${realistic.refused} refused`);

    // A slow provider: 2 s an answer, 128 callers.
    await faults(stack, { latencyMs: 2_000 });
    t = Date.now();
    const slowSpan = quick ? 6_000 : 12_000;
    const sl = await closedLoop({ url: router, callers: 128, until: t + slowSpan, label: 'slow' });
    const slS = seconds(t);
    // called directly, each caller starts a call every 2 s while the span lasts
    const slow = { callers: 128, latencyMs: 2_000, seconds: slS, answers: ok(sl).length, directAnswers: 128 * Math.ceil(slowSpan / 2_000), refused: sl.length - ok(sl).length };
    ctx.log(`load, slow: ${slow.answers} answers (directly ${slow.directAnswers}), ${slow.refused} refused ${JSON.stringify(byStatus(sl))}`);

    // A provider with a concurrency limit: 429 beyond 16 in flight, measured from 5 s on.
    await faults(stack, { latencyMs: 500, maxConcurrent: 16 });
    t = Date.now();
    const loop = closedLoop({ url: router, callers: 64, until: t + 5_000 + (quick ? 5_000 : 10_000), label: 'limited' });
    await new Promise((r) => setTimeout(r, 5_000));
    const from = await simCounts(stack);
    const fromAt = Date.now();
    const li = await loop;
    const to = await simCounts(stack);
    const measuredS = seconds(fromAt);
    const sent = to.sent - from.sent;
    const lim = to.refused - from.refused;
    const limited = { limit: 16, callers: 64, measuredS, sent, limited: lim, served: sent - lim, capacity: (16 / 0.5) * measuredS, refused: li.length - ok(li).length };
    ctx.log(`load, limited: from 5 s on ${sent} sent, ${lim} got 429, served ${limited.served} of a capacity of ${Math.round(limited.capacity)}; ${limited.refused} refused`);

    // Ultra overloaded: 512 low beside 8 high, fast provider.
    await faults(stack, {});
    const rss = () => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${stack.processes.router.proc.pid}/status`, 'utf8'))?.[1]);
    const flood = await startLoadProcess(); // (its own process, as other clients are, started before anything is timed)
    const alone = await closedLoop({ url: router, callers: 8, until: Date.now() + 4_000, priority: 'high', label: 'alone' });
    const before = rss();
    let peak = before;
    const watch = setInterval(() => (peak = Math.max(peak, rss())), 250);
    const until = Date.now() + (quick ? 5_000 : 10_000);
    t = Date.now();
    const [low, high] = await Promise.all([
      flood.run({ url: router, callers: 512, until, priority: 'low', label: 'flood' }),
      closedLoop({ url: router, callers: 8, until, priority: 'high', label: 'vip' }),
    ]);
    clearInterval(watch);
    const refusedLow = low.filter((r) => r.status !== 200);
    const overload = {
      low: 512,
      high: 8,
      seconds: seconds(t),
      highAnswered: ok(high).length,
      highCalls: high.length,
      highP99: quantile(high.map((r) => r.ms), 0.99),
      unloadedP99: quantile(alone.map((r) => r.ms), 0.99),
      lowRefused: refusedLow.length,
      lowCalls: low.length,
      lowWithoutRetryAfter: refusedLow.filter((r) => !r.retryAfterMs).length,
      droppedOrTimedOut: [...low, ...high].filter((r) => r.status === 0 || r.status === 504).length,
      rssRatio: peak / before,
    };
    ctx.log(`load, overload: high ${overload.highAnswered}/${overload.highCalls}, p99 ${overload.highP99} ms (alone ${overload.unloadedP99} ms); low refused ${overload.lowRefused}/${overload.lowCalls}; router RSS ×${overload.rssRatio.toFixed(2)}`);
    return { realistic, slow, limited, overload };
  } finally {
    await stack.stop();
  }
}
