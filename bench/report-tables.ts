import type { HitFigures } from './phases/hits.ts';
import { NEAR_TTL } from './lib/stack.ts';
import { ms, plus, type Table } from './lib/table.ts';
import { count, growthOf, SERVICES, type Results } from './report.ts';

const rps = (v: number) => Math.round(v).toLocaleString('en-US');

/** The tables the terminal, the README and the JSON's readers see. */
export function tables(r: Results): Table[] {
  const out: Table[] = [];
  const miss: string[][] = [];
  for (const m of r.miss) miss.push(['simulator alone', String(m.concurrency), ms(m.direct.p50), ms(m.direct.p99), ms(m.direct.p999), '', '', '', rps(m.direct.rps)]);
  for (const front of ['http', 'grpc'] as const) {
    for (const m of r.miss) {
      const f = m[front];
      miss.push([`router, ${front === 'http' ? 'HTTP (OpenAI)' : 'gRPC'}`, String(m.concurrency), ms(f.p50), ms(f.p99), ms(f.p999), plus(f.added.p50), plus(f.added.p99), plus(f.added.p999), rps(f.rps)]);
    }
  }
  out.push({
    title: 'Cache miss, full chain (router → cache → agent → simulator → cache), ms',
    headers: ['path', 'conc.', 'p50', 'p99', 'p99.9', '+p50', '+p99', '+p99.9', 'req/s'],
    rows: miss,
    note: `+: added over the simulator alone, same percentile, rounds interleaved. Samples per cell: ${r.miss.map((m) => `c=${m.concurrency} ${m.direct.n.toLocaleString('en-US')}`).join(', ')}.`,
  });
  const stream: string[][] = [];
  for (const s of r.stream) stream.push(['simulator alone (SSE)', String(s.concurrency), ms(s.direct.p50), ms(s.direct.p99), ms(s.direct.p999), '', '', '']);
  for (const front of ['http', 'grpc'] as const) {
    for (const s of r.stream) {
      const f = s[front];
      stream.push([`router, ${front === 'http' ? 'HTTP SSE' : 'gRPC StreamComplete'}`, String(s.concurrency), ms(f.p50), ms(f.p99), ms(f.p999), plus(f.added.p50), plus(f.added.p99), plus(f.added.p999)]);
    }
  }
  out.push({ title: 'Streaming: time to first token, cache miss, ms', headers: ['path', 'conc.', 'p50', 'p99', 'p99.9', '+p50', '+p99', '+p99.9'], rows: stream });
  const hits: string[][] = [];
  for (const h of r.hits) {
    const row = (label: string, s: HitFigures['floorHttp'], floor?: HitFigures['floorHttp']) => [
      label,
      String(h.concurrency),
      ms(s.p50),
      ms(s.p99),
      ms(s.p999),
      floor ? plus(s.p50 - floor.p50) : '',
      floor ? plus(s.p99 - floor.p99) : '',
    ];
    hits.push(row('floor: HTTP /healthz', h.floorHttp), row('floor: gRPC Health/Check', h.floorGrpc));
    hits.push(row('local replica hit, HTTP', h.localHttp, h.floorHttp), row('local replica hit, gRPC', h.localGrpc, h.floorGrpc));
    hits.push(row('Redis hit (other replica), HTTP', h.redisHttp, h.floorHttp), row('Redis hit (other replica), gRPC', h.redisGrpc, h.floorGrpc));
    if (h.nearHttp && h.nearGrpc) hits.push(row('near cache hit (router B), HTTP', h.nearHttp, h.floorHttp), row('near cache hit (router B), gRPC', h.nearGrpc, h.floorGrpc));
  }
  out.push({
    title: 'Cache hits, whole round trip at the client, ms',
    headers: ['path', 'conc.', 'p50', 'p99', 'p99.9', '+p50 floor', '+p99 floor'],
    rows: hits,
    note: `+floor: over the same front door's health endpoint. Verified by the caches' counters: ${r.hits
      .map(
        (h) =>
          `c=${h.concurrency}: ${h.verified.localHits}/${h.verified.localRequests} local, ${h.verified.redisHits}/${h.verified.redisRequests} Redis` +
          (h.verified.nearRequests !== undefined ? `, ${h.verified.nearRequests - (h.verified.nearToCache ?? 0)}/${h.verified.nearRequests} near` : ''),
      )
      .join('; ')} (cache calls / requests: identical requests in flight at once share one call, so at c>1 a cache sees fewer calls than there were requests; every answer said \`cache\`). Near: router B with \`cache.near.ttl: ${NEAR_TTL}\` (off by default); its floor is router A's health endpoint.`,
  });
  if (r.rpc.length > 0) {
    out.push({
      title: 'One internal call (grpc.health.v1 Check), one at a time, µs',
      headers: ['transport', 'calls', 'wall', 'server CPU', 'client CPU'],
      rows: r.rpc.map((x) => [x.transport, x.calls.toLocaleString('en-US'), x.wallUs.toFixed(0), x.serverCpuUs.toFixed(0), x.clientCpuUs.toFixed(0)]),
      note: 'Each cache miss makes 3 such calls from the router (cache Lease and Put, agent Invoke; over Connect with binary protobuf on HTTP/2 since the hot-path changes) besides serving its own; the agent and the cache serve them.',
    });
  }
  if (r.failover) {
    const f = r.failover;
    out.push({
      title: `Failover: primary hanging, c=${f.concurrency}, ${f.durationMs / 1000} s, gRPC with a ${f.deadlineMs / 1000} s deadline`,
      headers: ['figure', 'value'],
      textColumns: [0, 1],
      rows: [
        ['requests / errors', `${f.requests} / ${f.errors}${f.errorSamples[0] ? ` (${f.errorSamples[0].slice(0, 90)})` : ''}`],
        ['latency p50 / p99 / p99.9 / max, ms', `${ms(f.latency.p50)} / ${ms(f.latency.p99)} / ${ms(f.latency.p999)} / ${ms(f.latency.max)}`],
        ['answers that tried the primary first', String(f.answersThatTriedPrimary)],
        ['primary breaker (agent)', f.breakerEvents.length > 0 ? f.breakerEvents.map((e) => `${e.state} at ${(e.atMs / 1000).toFixed(2)} s`).join(', ') : 'no state change published'],
        ['chat requests reaching the primary', String(f.primaryRequests)],
        ['… after its breaker opened', f.primaryRequestsAfterOpen === null ? 'n/a (never opened)' : String(f.primaryRequestsAfterOpen)],
        ['last chat request at the primary', f.lastPrimaryRequestAtMs === null ? '–' : `${(f.lastPrimaryRequestAtMs / 1000).toFixed(2)} s`],
        ['health probes reaching the primary', String(f.primaryProbes)],
      ],
    });
  }
  if (r.hedging) {
    const h = r.hedging;
    out.push({
      title: `Hedging on a healthy fleet: realistic latency, ${h.concurrency.plain} whole-answer and ${h.concurrency.stream} streaming callers, ${h.durationMs / 1000} s after ${h.warmupMs / 1000} s`,
      headers: ['figure', 'value'],
      textColumns: [0, 1],
      rows: [
        ['requests (whole / streamed) / errors', `${h.requests.plain} / ${h.requests.stream} / ${h.errors}`],
        ['provider calls / failovers', `${h.calls} / ${h.failovers}`],
        ['hedged calls / calls', `${h.hedged} / ${h.requests.plain + h.requests.stream} (${(h.share * 100).toFixed(2)} %)`],
      ],
      note: 'A stack of its own on the defaults (the action plan’s blocks), every provider on the simulator’s realistic timing. The default failover.hedging: adaptive, 1.5 × each provider’s own first-event p95 (500 ms – 10 s), at most 5 % of calls (issue #17’s bound: 5 %).',
    });
  }
  const mem: string[][] = [];
  for (const name of [...SERVICES, 'simulator', 'redis']) {
    const peak = r.memory.peakUnderLoad[name];
    if (peak === undefined) continue;
    const g = r.soak ? growthOf(r.soak, name) : undefined;
    mem.push([
      name,
      peak.toFixed(0),
      (r.memory.highWater[name] ?? Number.NaN).toFixed(0),
      r.soak?.afterWarmup[name]?.toFixed(0) ?? '–',
      r.soak?.after[name]?.toFixed(0) ?? '–',
      g ? `${plus(g.mb).replace(/(\.\d)\d$/, '$1')} (${g.pct.toFixed(1)}%)` : '–',
    ]);
  }
  const soakN = r.soak ? count(r.soak.requests) : '–';
  const byPhase = Object.entries(r.memory.byPhase)
    .filter(([, peaks]) => peaks['router'] !== undefined)
    .map(([phase, peaks]) => `${phase} ${peaks['router']!.toFixed(0)}`)
    .join(', ');
  out.push({
    title: 'Memory, RSS in MB',
    headers: ['process', 'peak under load', 'VmHWM', 'after warm-up', `after ${soakN} more`, 'growth'],
    rows: mem,
    note: `Router peak by phase, MB: ${byPhase}. ` + (r.soak
      ? `Idle Node process: ${r.memory.idle.node.toFixed(0)} MB plain, ${r.memory.idle.nodeTsx.toFixed(0)} MB with tsx loaded (as every service runs). Soak: ${r.soak.requests.toLocaleString('en-US')} cache misses (half HTTP, half gRPC) at c=${r.soak.concurrency}, ${rps(r.soak.rps)} req/s, p99 ${ms(r.soak.latency.p99)} ms, ${r.soak.errors} errors; cache A's replica held ${r.soak.cacheEntries.warm} of at most ${r.soak.cacheEntries.max} entries at the warm-up reading; both readings ${r.soak.settleMs / 1000} s after the load stopped. VmHWM includes start-up.`
      : ''),
  });
  const top = r.miss.at(-1);
  if (top) {
    const procs = ['router', 'agent', 'cache', 'simulator', 'redis', 'bench'];
    out.push({
      title: `CPU per request, cache miss at c=${top.concurrency}, µs`,
      headers: ['process', 'simulator alone', 'router HTTP', 'router gRPC'],
      rows: [
        ...procs.map((p) => [p, String(top.direct.cpuUsPerRequest[p] ?? '–'), String(top.http.cpuUsPerRequest[p] ?? '–'), String(top.grpc.cpuUsPerRequest[p] ?? '–')]),
        ['all of them', ...[top.direct, top.http, top.grpc].map((f) => String(procs.reduce((sum, p) => sum + (f.cpuUsPerRequest[p] ?? 0), 0)))],
      ],
      note: `bench: the load generator itself (same machine). From /proc/PID/stat over the blocks of each path. ${r.machine.cpus} CPUs give at most ${r.machine.cpus * 1_000_000} µs per second: that over "all of them" bounds the throughput.`,
    });
  }
  // The verdict first.
  out.unshift({ title: 'Targets', headers: ['target', 'figure', 'met'], textColumns: [0, 1, 2], rows: r.targets.map((t) => [t.target, t.figure, t.met ? 'yes' : 'no']) });
  return out;
}
