import os from 'node:os';
import type { FailoverFigures } from './phases/failover.ts';
import type { HitFigures } from './phases/hits.ts';
import type { MissFigures } from './phases/miss.ts';
import type { ProfileFigures } from './phases/profile.ts';
import type { RpcFigures } from './phases/rpc.ts';
import type { SoakFigures } from './phases/soak.ts';
import type { StreamFigures } from './phases/stream.ts';
import type { BarRow } from './lib/svg.ts';
import { ms, plus, type Table } from './lib/table.ts';
import { NEAR_TTL } from './lib/stack.ts';

export interface Machine {
  cpus: number;
  model: string;
  memoryGb: number;
  node: string;
  os: string;
  date: string;
  /** 1-minute load average when the run started and when it ended (other work on the machine shows here). */
  loadAverage: { start: number; end: number };
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    date: new Date().toISOString(),
    loadAverage: { start: os.loadavg()[0]!, end: Number.NaN },
  };
}

export interface Target {
  target: string;
  figure: string;
  met: boolean;
}

/** Everything one run measured; written as reports/bench.json. */
export interface Results {
  machine: Machine;
  mode: 'quick' | 'full';
  durationS: number;
  phaseSeconds: Record<string, number>;
  miss: MissFigures[];
  stream: StreamFigures[];
  hits: HitFigures[];
  /** What one internal call costs per transport. */
  rpc: RpcFigures[];
  soak: SoakFigures | null;
  /** Highest VmRSS sampled under load, and VmHWM at the end (start-up included), in MB. */
  memory: {
    peakUnderLoad: Record<string, number>;
    highWater: Record<string, number>;
    idle: { node: number; nodeTsx: number };
    /** Highest RSS per process within each phase, in MB. */
    byPhase: Record<string, Record<string, number>>;
  };
  /** CPU-seconds over the measured part of the run: the whole machine busy, this run's processes, everything else. */
  machineCpu: { wallS: number; busyCpuS: number; oursCpuS: number; othersCpuS: number };
  profile: (Omit<ProfileFigures, 'summary'> & { top: ProfileFigures['summary']['topSelf']; suspects: ProfileFigures['summary']['suspects'] }) | null;
  failover: FailoverFigures | null;
  targets: Target[];
  notes: string[];
}

/** The four services (and the second router+cache pair), for the memory targets. */
export const SERVICES = ['router', 'agent', 'cache', 'health', 'router-b', 'cache-b'];

const growthOf = (soak: SoakFigures, name: string) => {
  const a = soak.afterWarmup[name];
  const b = soak.after[name];
  return a === undefined || b === undefined ? undefined : { mb: b - a, pct: (100 * (b - a)) / a };
};

export function targets(r: Omit<Results, 'targets'>): Target[] {
  const out: Target[] = [];
  const c16 = r.miss.find((m) => m.concurrency === 16);
  if (c16) {
    out.push({ target: 'added p50, miss, c=16 < 1 ms (HTTP / gRPC)', figure: `${plus(c16.http.added.p50)} / ${plus(c16.grpc.added.p50)} ms`, met: c16.http.added.p50 < 1 && c16.grpc.added.p50 < 1 });
    out.push({ target: 'added p99, miss, c=16 < 5 ms (HTTP / gRPC)', figure: `${plus(c16.http.added.p99)} / ${plus(c16.grpc.added.p99)} ms`, met: c16.http.added.p99 < 5 && c16.grpc.added.p99 < 5 });
  }
  for (const h of r.hits) {
    out.push({
      target: `local cache hit p50 < 0.5 ms at the router, c=${h.concurrency} (HTTP / gRPC)`,
      figure: `${ms(h.localHttp.p50)} / ${ms(h.localGrpc.p50)} ms`,
      met: h.localHttp.p50 < 0.5 && h.localGrpc.p50 < 0.5,
    });
    if (h.nearHttp && h.nearGrpc) {
      out.push({
        target: `near cache hit (in the router, cache.near on) p50 < 0.5 ms, c=${h.concurrency} (HTTP / gRPC)`,
        figure: `${ms(h.nearHttp.p50)} / ${ms(h.nearGrpc.p50)} ms`,
        met: h.nearHttp.p50 < 0.5 && h.nearGrpc.p50 < 0.5,
      });
    }
  }
  const top = r.miss.at(-1);
  if (top) {
    const share = (x: number) => `${((100 * x) / top.direct.rps).toFixed(0)}%`;
    out.push({
      target: `miss throughput ≥ 50% of the simulator alone, c=${top.concurrency} (HTTP / gRPC)`,
      figure: `${Math.round(top.http.rps)} / ${Math.round(top.grpc.rps)} vs ${Math.round(top.direct.rps)} req/s (${share(top.http.rps)} / ${share(top.grpc.rps)})`,
      met: top.http.rps >= top.direct.rps / 2 && top.grpc.rps >= top.direct.rps / 2,
    });
  }
  const peaks = SERVICES.map((s) => [s, r.memory.peakUnderLoad[s]] as const).filter((x): x is readonly [string, number] => x[1] !== undefined);
  if (peaks.length > 0) {
    const [name, mb] = peaks.reduce((a, b) => (b[1] > a[1] ? b : a));
    out.push({ target: 'no service over 150 MB RSS under load', figure: `highest: ${name} ${mb.toFixed(0)} MB`, met: mb <= 150 });
  }
  if (r.soak) {
    const soak = r.soak;
    const growths = SERVICES.map((s) => [s, growthOf(soak, s)] as const).filter((x): x is readonly [string, { mb: number; pct: number }] => x[1] !== undefined);
    const worst = growths.reduce((a, b) => (b[1].mb > a[1].mb ? b : a));
    out.push({
      target: `no RSS growth over ${count(soak.requests)} requests (≤ 10% after warm-up; aim: ${count(soak.planned)})`,
      figure: `largest: ${worst[0]} ${plus(worst[1].mb).replace(/(\.\d)\d$/, '$1')} MB (${worst[1].pct.toFixed(1)}%)`,
      met: growths.every(([, g]) => g.pct <= 10),
    });
  }
  return out;
}

/** `950`, `12.3k`, `100k`. */
const count = (v: number) => (v < 1000 ? String(v) : v < 100_000 ? `${(v / 1000).toFixed(1).replace(/\.0$/, '')}k` : `${Math.round(v / 1000)}k`);

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

/** Rows of the latency chart: what the router adds on a miss and to the first token, and what a hit costs in all. */
export function chartRows(r: Results): BarRow[] {
  const rows: BarRow[] = [];
  const clamp = (v: number) => Math.max(v, 0);
  for (const front of ['http', 'grpc'] as const) {
    for (const m of r.miss) rows.push({ group: 'Added by the router, cache miss (full chain)', label: `${front === 'http' ? 'HTTP' : 'gRPC'} c=${m.concurrency}`, p50: clamp(m[front].added.p50), p99: clamp(m[front].added.p99) });
  }
  for (const front of ['http', 'grpc'] as const) {
    for (const s of r.stream) rows.push({ group: 'Added to time to first token (streaming)', label: `${front === 'http' ? 'HTTP SSE' : 'gRPC stream'} c=${s.concurrency}`, p50: clamp(s[front].added.p50), p99: clamp(s[front].added.p99) });
  }
  for (const h of r.hits) {
    rows.push({ group: 'Cache hit, whole round trip at the client', label: `local, HTTP c=${h.concurrency}`, p50: h.localHttp.p50, p99: h.localHttp.p99 });
    rows.push({ group: 'Cache hit, whole round trip at the client', label: `local, gRPC c=${h.concurrency}`, p50: h.localGrpc.p50, p99: h.localGrpc.p99 });
    rows.push({ group: 'Cache hit, whole round trip at the client', label: `Redis, HTTP c=${h.concurrency}`, p50: h.redisHttp.p50, p99: h.redisHttp.p99 });
    rows.push({ group: 'Cache hit, whole round trip at the client', label: `Redis, gRPC c=${h.concurrency}`, p50: h.redisGrpc.p50, p99: h.redisGrpc.p99 });
    if (h.nearHttp) rows.push({ group: 'Cache hit, whole round trip at the client', label: `near, HTTP c=${h.concurrency}`, p50: h.nearHttp.p50, p99: h.nearHttp.p99 });
    if (h.nearGrpc) rows.push({ group: 'Cache hit, whole round trip at the client', label: `near, gRPC c=${h.concurrency}`, p50: h.nearGrpc.p50, p99: h.nearGrpc.p99 });
  }
  return rows;
}

/** `other work on the machine kept 1.2 of its 2 CPUs busy`, from the run's CPU accounting. */
export const othersLine = (r: Pick<Results, 'machineCpu' | 'machine'>) =>
  `other work on the machine kept ${(r.machineCpu.othersCpuS / r.machineCpu.wallS).toFixed(1)} of its ${r.machine.cpus} CPUs busy on average, this run ${(r.machineCpu.oursCpuS / r.machineCpu.wallS).toFixed(1)}`;

export const machineLine = (m: Machine) =>
  `${m.cpus} × ${m.model}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, ${m.date.slice(0, 16).replace('T', ' ')} UTC` +
  `, load average ${m.loadAverage.start.toFixed(1)} at start${Number.isFinite(m.loadAverage.end) ? ` and ${m.loadAverage.end.toFixed(1)} at end` : ''}`;
