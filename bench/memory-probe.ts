import { parseArgs } from 'node:util';
import { closedLoop } from './lib/closed-loop.ts';
import { watchMemory } from './lib/memory-watch.ts';
import { createRouterPaths, promptOf } from './lib/paths.ts';
import { createRecorder } from './lib/samples.ts';
import { startBenchStack } from './lib/stack.ts';

const USAGE = `node --import tsx bench/memory-probe.ts [--flags="NODE FLAGS"] [--seconds 20] [--concurrency 64] [--hot]
  Starts the bench stack with these Node flags for every service, reads each process's RSS
  idle, then under cache-miss load (half HTTP, half gRPC through router A; --hot: one prompt
  again and again, cache hits) for --seconds,
  and prints idle, peak under load and settled RSS per process. For trying memory flags
  quickly; the full bench's memory phase is the figure of record.`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { flags: { type: 'string' }, seconds: { type: 'string', default: '20' }, concurrency: { type: 'string', default: '64' }, hot: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const nodeFlags = (values.flags ?? '').split(' ').filter(Boolean);
  const stack = await startBenchStack({ nodeFlags });
  try {
    const pids = new Map([...stack.processes].map(([name, p]) => [name, p.pid]));
    const memory = watchMemory(() => pids, 100);
    const paths = createRouterPaths(stack.a, 64);
    await sleep(3000);
    const idle = memory.now();
    let i = 0;
    const fire = () => {
      const prompt = values.hot ? promptOf('probe-hot') : promptOf(`probe-${Date.now().toString(36)}-${i}`);
      return i++ % 2 === 0 ? paths.http(prompt, 'any') : paths.grpc(prompt, 'any');
    };
    memory.startPhase();
    const r = await closedLoop(fire, { concurrency: Number(values.concurrency), total: 1e9, durationMs: Number(values.seconds) * 1000, ok: createRecorder() });
    const peak = memory.phasePeaks();
    await sleep(3000);
    const settled = memory.now();
    paths.close();
    memory.stop();
    console.log(`flags: ${nodeFlags.join(' ') || '(none)'}; ${r.completed} requests, ${(r.completed / (r.elapsedMs / 1000)).toFixed(0)} req/s, ${r.errors} errors`);
    console.log('process     idle   peak  settled  (MB)');
    for (const name of Object.keys(peak)) {
      const f = (x: number | undefined) => (x ?? Number.NaN).toFixed(0).padStart(6);
      console.log(`${name.padEnd(10)}${f(idle[name])} ${f(peak[name])} ${f(settled[name])}`);
    }
  } finally {
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
