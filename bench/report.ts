import type { LoadFigures } from './phases/load.ts';
import os from 'node:os';
import type { FailoverFigures } from './phases/failover.ts';
import type { HedgingFigures } from './phases/hedging.ts';
import type { HitFigures } from './phases/hits.ts';
import type { MissFigures } from './phases/miss.ts';
import type { ProfileFigures } from './phases/profile.ts';
import type { RpcFigures } from './phases/rpc.ts';
import type { SoakFigures } from './phases/soak.ts';
import type { StreamFigures } from './phases/stream.ts';
import type { BarRow } from './lib/svg.ts';
import { ms, plus } from './lib/table.ts';

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
  /** What the adaptive hedge costs a healthy fleet (absent in results from before the phase). */
  hedging?: HedgingFigures | null;
  /** Issue #22's bounds on realistic load (absent in results from before the phase). */
  load?: LoadFigures | null;
  targets: Target[];
  notes: string[];
}

/** The four services (and the second router+cache pair), for the memory targets. */
export const SERVICES = ['router', 'agent', 'cache', 'health', 'router-b', 'cache-b'];

/** A service's RSS growth over the soak, MB and %, when both readings exist. */
export const growthOf = (soak: SoakFigures, name: string) => {
  const a = soak.afterWarmup[name];
  const b = soak.after[name];
  return a === undefined || b === undefined ? undefined : { mb: b - a, pct: (100 * (b - a)) / a };
};

/** `950`, `12.3k`, `100k`. */
export const count = (v: number) => (v < 1000 ? String(v) : v < 100_000 ? `${(v / 1000).toFixed(1).replace(/\.0$/, '')}k` : `${Math.round(v / 1000)}k`);

/** Where the figures stand against the benchmark issue's targets. */
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
  if (r.hedging) {
    const h = r.hedging;
    out.push({ target: 'healthy fleet: hedged calls ≤ 5 % of calls (issue #17)', figure: `${h.hedged} of ${h.requests.plain + h.requests.stream} (${(h.share * 100).toFixed(2)} %)`, met: h.share <= 0.05 });
  }
  if (r.load) out.push(...loadTargets(r.load));
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

/** Issue #22's bounds, as the load phase measured them. */
function loadTargets(l: LoadFigures): Target[] {
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
  const o = l.overload;
  return [
    { target: 'realistic latency: answers ≥ 95 % of the provider called directly, none refused', figure: `${l.realistic.ultraRps.toFixed(1)} vs ${l.realistic.directRps.toFixed(1)} /s (${pct(l.realistic.ultraRps / l.realistic.directRps)}), ${l.realistic.refused} refused`, met: l.realistic.ultraRps >= 0.95 * l.realistic.directRps && l.realistic.refused === 0 },
    { target: '2 s a call, 128 callers: ≥ 95 % of the direct answers, none refused', figure: `${l.slow.answers} of ${l.slow.directAnswers} (${pct(l.slow.answers / l.slow.directAnswers)}), ${l.slow.refused} refused`, met: l.slow.answers >= 0.95 * l.slow.directAnswers && l.slow.refused === 0 },
    { target: '429 beyond 16 in flight: ≤ 5 % 429s from 5 s on, ≥ 80 % of capacity, none refused', figure: `${pct(l.limited.limited / Math.max(1, l.limited.sent))} 429s, ${pct(l.limited.served / l.limited.capacity)} of capacity, ${l.limited.refused} refused`, met: l.limited.limited <= 0.05 * l.limited.sent && l.limited.served >= 0.8 * l.limited.capacity && l.limited.refused === 0 },
    {
      target: '512 low + 8 high: high ≥ 99 % answered, p99 ≤ 3× alone; low refused with Retry-After; none dropped; RSS ≤ 1.5×',
      figure: `high ${pct(o.highAnswered / Math.max(1, o.highCalls))}, p99 ${o.highP99} vs ${o.unloadedP99} ms; low refused ${o.lowRefused} (${o.lowWithoutRetryAfter} without Retry-After); ${o.droppedOrTimedOut} dropped; RSS ×${o.rssRatio.toFixed(2)}`,
      met: o.highAnswered >= 0.99 * o.highCalls && o.highP99 <= 3 * o.unloadedP99 && o.lowWithoutRetryAfter === 0 && o.droppedOrTimedOut === 0 && o.rssRatio <= 1.5,
    },
  ];
}
