import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoPath } from '@ultra/testkit';
import { spawnService } from '../lib/processes.ts';

/** One gateway (or the provider itself) under test: where to send a chat request, and how. */
export interface Contender {
  name: 'direct' | 'floor' | 'portkey' | 'single' | 'split';
  label: string;
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** The request body for a prompt (`stream`: the same asking for server-sent events). */
  body(prompt: string, stream?: boolean): string;
  /** The processes that make this contender (for resident memory), simulator excepted. */
  pids: number[];
  /** Why it is not asked to stream, when it cannot (its TTFT is not measured then). */
  noStreaming?: string;
  /** Ultra only: the answer header that says a miss went to the provider, a hit came from the cache. */
  servedFrom?: boolean;
}

export const chat = (model: string) => (prompt: string, stream?: boolean) => JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], ...(stream ? { stream: true } : {}) });

/** The environment without the caller's OTEL_* variables or provider keys. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && !k.endsWith('_API_KEY') && k !== 'ULTRA_SOURCE') env[k] = v;
  return { ...env, ULTRA_LOG_LEVEL: 'warn' };
}

/** Forks a compiled entry point (dist/*.js) as `npm start` runs it: no TypeScript loader. */
export function forkCompiled(entry: string, args: string[], execArgv: string[], env: NodeJS.ProcessEnv = cleanEnv()): { proc: ChildProcess; ready: Promise<void> } {
  const proc = fork(repoPath(entry), args, { execArgv, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  const ready = new Promise<void>((resolve, reject) => {
    proc.on('message', (m) => (m as { type?: string }).type === 'ready' && resolve());
    proc.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before it was ready:\n${err}`)));
  });
  return { proc, ready };
}

/** Resolves once `url` answers anything over HTTP. */
async function answering(url: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch {
      if (Date.now() > end) throw new Error(`${url} did not answer within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Ultra's config for the bench: one simulated OpenAI provider, probes every 30 s, on free ports. */
export async function ultraConfig(sim: number): Promise<{ file: string; http: number }> {
  const [grpc, http, agent, cache, health] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const file = join(mkdtempSync(join(tmpdir(), 'ultra-versus-')), 'ultra.yaml');
  writeFileSync(
    file,
    `providers:
  primary: [openai]
simulate: always
health_check: { interval: 30s, timeout: 5s, threshold: 3 }
services:
  router: { grpc: 127.0.0.1:${grpc}, http: 127.0.0.1:${http}, metrics: 127.0.0.1:0 }
  provider_agent: { address: 127.0.0.1:${agent}, metrics: 127.0.0.1:0 }
  cache: { address: 127.0.0.1:${cache}, metrics: 127.0.0.1:0 }
  health: { address: 127.0.0.1:${health}, metrics: 127.0.0.1:0 }
  simulator: { address: 127.0.0.1:${sim} }
`,
  );
  return { file, http };
}

export const OTEL = ['--import', repoPath('libs/telemetry/dist/instrumentation.js')];
export const SERVICES = [
  ['cache', 'services/cache/dist/main.js'],
  ['provider-agent', 'services/provider-agent/dist/main.js'],
  ['health', 'services/health/dist/main.js'],
  ['router', 'services/router/dist/main.js'],
] as const;

/**
 * Starts the simulator and every contender on free loopback ports: the simulator alone,
 * the floor proxy, Portkey's gateway (npm, loopback only), and Ultra from its compiled
 * build in both topologies. Returns them and a function that stops everything.
 */
export async function startContenders(): Promise<{ contenders: Contender[]; stop(): Promise<void> }> {
  if (!existsSync(repoPath('libs/cli/dist/serve-main.js'))) throw new Error('no compiled build: run npm run build first');
  const stops: (() => void)[] = [];
  const simPort = await freePort();
  const sim = spawnService('simulator', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(simPort)], { readyLine: /listening on/ });
  stops.push(() => sim.proc.kill('SIGKILL'));
  await sim.ready;
  const simUrl = `http://127.0.0.1:${simPort}`;

  const floorPort = await freePort();
  const floor = spawnService('floor', 'bench/versus/floor-proxy.ts', ['--port', String(floorPort), '--upstream', `${simUrl}/openai/v1`], { readyLine: /listening on/ });
  stops.push(() => floor.proc.kill('SIGKILL'));

  const portkeyPort = await freePort();
  const portkey = fork(repoPath('node_modules/@portkey-ai/gateway/build/start-server.js'), [`--port=${portkeyPort}`, '--headless'], {
    execArgv: ['--import', new URL('./loopback-only.mjs', import.meta.url).href],
    env: { ...cleanEnv(), NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  stops.push(() => portkey.kill('SIGKILL'));

  const single = await ultraConfig(simPort);
  const one = forkCompiled('libs/cli/dist/serve-main.js', [...SERVICES.map(([n]) => n), '--config', single.file], OTEL);
  stops.push(() => one.proc.kill('SIGKILL'));
  const split = await ultraConfig(simPort);
  const four = SERVICES.map(([, entry]) => forkCompiled(entry, ['--config', split.file], OTEL));
  for (const p of four) stops.push(() => p.proc.kill('SIGKILL'));

  await Promise.all([floor.ready, answering(`http://127.0.0.1:${portkeyPort}/`), one.ready, ...four.map((p) => p.ready)]);
  const ultra = { path: '/v1/chat/completions', headers: {}, body: chat('chat'), servedFrom: true };
  const contenders: Contender[] = [
    { name: 'direct', label: 'simulator alone', origin: simUrl, path: '/openai/v1/chat/completions', headers: { authorization: 'Bearer sk-bench' }, body: chat('gpt-4o-mini'), pids: [] },
    { name: 'floor', label: 'minimal Node proxy', origin: `http://127.0.0.1:${floorPort}`, path: '/chat/completions', headers: { authorization: 'Bearer sk-bench' }, body: chat('gpt-4o-mini'), pids: [floor.pid] },
    {
      name: 'portkey',
      label: 'Portkey gateway 1.15',
      origin: `http://127.0.0.1:${portkeyPort}`,
      path: '/v1/chat/completions',
      headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${simUrl}/openai/v1`, authorization: 'Bearer sk-bench' },
      body: chat('gpt-4o-mini'),
      // (seen on Node 20.20: every `stream: true` request through a custom host gets 500
      // "Something went wrong", its log showing TypeError: immutable from Headers.append)
      noStreaming: 'Portkey 1.15 answers every streamed request with HTTP 500 on Node 20 (TypeError: immutable, appending to a fetched response’s headers)',
      pids: [portkey.pid!],
    },
    { name: 'single', label: 'Ultra, topology single', origin: `http://127.0.0.1:${single.http}`, ...ultra, pids: [one.proc.pid!] },
    { name: 'split', label: 'Ultra, topology split', origin: `http://127.0.0.1:${split.http}`, ...ultra, pids: four.map((p) => p.proc.pid!) },
  ];
  return {
    contenders,
    async stop() {
      for (const s of stops.reverse()) s();
    },
  };
}
