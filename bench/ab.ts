import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, repoPath, startRedis, type RedisServer } from '@ultra/testkit';
import { closedLoop } from './lib/closed-loop.ts';
import { cpuSnapshot, watchMemory } from './lib/memory-watch.ts';
import { createDirectPaths, createRouterPaths, promptOf, type RouterPaths } from './lib/paths.ts';
import { spawnService, type BenchProcess } from './lib/processes.ts';
import { figuresOf, runRounds, type Subject } from './lib/rounds.ts';
import { createRecorder } from './lib/samples.ts';
import { benchConfig } from './lib/stack.ts';
import { ms, tableText } from './lib/table.ts';

const USAGE = `node --import tsx bench/ab.ts --b DIR [--a DIR] [--rounds 4] [--block-ms 3000] [--concurrency 1,16,64]
    [--flags-a="NODE FLAGS"] [--flags-b="NODE FLAGS"]
  Runs the services of two copies of the repository side by side (A: this one unless --a,
  B: a copy with a change to try) on one simulator, each with its own Redis, and measures
  the cache-miss path through both in interleaved rounds: latency, throughput and CPU per
  request of each side's router, agent and cache, and the peak RSS of each process. The
  two sides may be the same tree with different Node flags for its services (--flags-a,
  --flags-b, default none). Prints a table; writes nothing.`;

interface Side {
  name: 'a' | 'b';
  root: string;
  redis: RedisServer;
  processes: BenchProcess[];
  paths: RouterPaths;
}

async function startSide(name: 'a' | 'b', root: string, shared: { agent: number; health: number; simulator: number }, flags: readonly string[] | undefined): Promise<Side> {
  const ports = { grpc: await freePort(), http: await freePort(), cache: await freePort() };
  const own = { ...shared, agent: await freePort(), health: await freePort() };
  const file = join(mkdtempSync(join(tmpdir(), `ultra-ab-${name}-`)), 'ultra.yaml');
  writeFileSync(file, benchConfig(ports, own));
  const redis = await startRedis();
  const env = { ULTRA_LOG_LEVEL: 'warn' };
  const spawn = (service: string, entry: string, extra: NodeJS.ProcessEnv = {}) =>
    spawnService(`${service}-${name}`, entry, ['--config', file], { root, env: { ...env, ...extra }, readyLine: /listening on/, nodeFlags: flags ?? [] });
  const processes = [
    spawn('cache', 'services/cache/src/main.ts', { REDIS_URL: redis.url }),
    spawn('agent', 'services/provider-agent/src/main.ts'),
    spawn('health', 'services/health/src/main.ts'),
    spawn('router', 'services/router/src/main.ts'),
  ];
  await Promise.all(processes.map((p) => p.ready));
  return { name, root, redis, processes, paths: createRouterPaths(ports, 64) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      rounds: { type: 'string', default: '4' },
      'block-ms': { type: 'string', default: '3000' },
      concurrency: { type: 'string', default: '1,16,64' },
      'flags-a': { type: 'string' },
      'flags-b': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.b) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const rootA = resolve(values.a ?? repoPath('.'));
  const rootB = resolve(values.b);
  const rounds = Number(values.rounds);
  const blockMs = Number(values['block-ms']);
  const levels = values.concurrency.split(',').map(Number);
  const simulatorPort = await freePort();
  const sim = spawnService('simulator', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(simulatorPort)], { readyLine: /listening on/ });
  const sides: Side[] = [];
  try {
    await sim.ready;
    const shared = { agent: 0, health: 0, simulator: simulatorPort };
    const flags = (text: string | undefined) => text?.split(' ').filter(Boolean);
    sides.push(...(await Promise.all([startSide('a', rootA, shared, flags(values['flags-a'])), startSide('b', rootB, shared, flags(values['flags-b']))])));
    console.log(`A: ${rootA}${values['flags-a'] !== undefined ? ` (flags: ${values['flags-a']})` : ''}\nB: ${rootB}${values['flags-b'] !== undefined ? ` (flags: ${values['flags-b']})` : ''}`);
    const pids = new Map<string, number>([['simulator', sim.pid]]);
    for (const s of sides) for (const p of s.processes) pids.set(p.name, p.pid);
    const memory = watchMemory(() => pids, 100);
    const direct = createDirectPaths(`http://127.0.0.1:${simulatorPort}`, 64);
    const run = Date.now().toString(36);
    const subjects = (c: number): Subject[] => [
      { name: 'direct', fire: (i) => direct.http(promptOf(`${run}-d${c}-${i}`)) },
      ...sides.flatMap((s) => [
        { name: `${s.name} http`, fire: (i: number) => s.paths.http(promptOf(`${run}-${s.name}h${c}-${i}`), 'provider') },
        { name: `${s.name} grpc`, fire: (i: number) => s.paths.grpc(promptOf(`${run}-${s.name}g${c}-${i}`), 'provider') },
      ]),
    ];
    const warm = await closedLoop((i) => subjects(0)[i % 5]!.fire(i), { concurrency: 16, total: 50_000, durationMs: 15_000, ok: createRecorder() });
    console.log(`warm-up: ${warm.completed} requests, ${warm.errors} errors${warm.errors ? `: ${warm.errorSamples[0]}` : ''}`);
    const rows: string[][] = [];
    for (const c of levels) {
      const runs = await runRounds(subjects(c), {
        rounds,
        perBlock: 100_000,
        blockMs,
        concurrency: c,
        cpu: () => cpuSnapshot(pids),
        onRound: (r, rs) => console.log(`c=${c} round ${r + 1}/${rounds}: ${rs.map((x) => `${x.name} ${x.completed}${x.errors ? ` (${x.errors} errors: ${x.errorSamples[0]})` : ''}`).join(', ')}`),
      });
      for (const [name, r] of runs) {
        const f = figuresOf(r);
        const side = name.split(' ')[0]!;
        const cpu = (svc: string) => f.cpuUsPerRequest[`${svc}-${side}`] ?? 0;
        rows.push([name, String(c), ms(f.p50), ms(f.p99), f.rps.toFixed(0), String(cpu('router')), String(cpu('agent')), String(cpu('cache')), String(f.cpuUsPerRequest['simulator'] ?? 0)]);
      }
    }
    console.log(`\n${tableText({ title: 'A/B, cache miss, full chain', headers: ['path', 'conc.', 'p50 ms', 'p99 ms', 'req/s', 'router µs', 'agent µs', 'cache µs', 'sim µs'], rows, note: 'µs: CPU per request in each process of that side.' })}`);
    const peaks = memory.peaks();
    memory.stop();
    console.log(`peak RSS, MB: ${Object.entries(peaks).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
  } finally {
    await Promise.all([sim, ...sides.flatMap((s) => s.processes)].map((p) => p.stop()));
    await Promise.all(sides.map((s) => s.redis.stop()));
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`ab: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
