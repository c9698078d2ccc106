import { parseArgs } from 'node:util';
import { describeDial, describeRedisUrl, isConfigError, loadConfig, type UltraConfig } from '@ultra/config';
import { errorMessage } from '@ultra/core';
import { modeName } from '@ultra/runtime';
import { firstMode } from './first-mode.ts';
import { formatLine } from './log-format.ts';
import { runStatus } from './status.ts';
import { stackProcesses } from './processes.ts';
import { createSupervisor } from './supervisor.ts';
import { serve, serviceNames } from './serve.ts';

const USAGE = `usage: ultra <command> [--config FILE]

commands:
  start     start the whole stack (simulator when no provider key is set, then router,
            provider-agent, cache and health) under a supervisor that restarts what
            crashes; Ctrl-C stops it. --topology single (the default: the four services
            in one process) or split (one process each); else the config's topology
  serve SERVICE...
            run the named services (router, provider-agent, cache, health) in this
            process, each on its own addresses; what a container runs
  status    a live view of the degraded mode, the components and each provider's
            breaker (--once: print it once and exit)
  check     validate the configuration and print what it resolves to
  hash-key  make a new client key and print it with the hash to put in auth.keys
            (or print the hash of a key given on standard input)
  help      show this text

The config comes from --config FILE, else ULTRA_CONFIG, else the built-in default.`;

function describe(config: UltraConfig): string[] {
  const s = config.services;
  const lines = [
    `config: ${config.source}`,
    `topology: ${config.topology}`,
    ...config.tiers.map((t) => `tier ${t.name}: ${t.providers.join(', ')}`),
    ...Object.values(config.providers).map(
      (p) => `  ${p.name.padEnd(10)} ${p.type.padEnd(9)} ${p.unavailableReason ? `unavailable: ${p.unavailableReason}` : p.simulated ? 'simulated (no provider key is set)' : p.baseUrl}`,
    ),
    `cache: ${config.cache.redisUrl ? `REDIS_URL (${describeRedisUrl(config.cache.redisUrl.reveal())}) with a local replica` : 'in-process store (set REDIS_URL to share it through Redis)'}`,
    `router:         grpc/connect http://${s.router.grpc.host}:${s.router.grpc.port}   http (OpenAI, Connect) http://${s.router.http.host}:${s.router.http.port}`,
    ...describeDial(s),
  ];
  return lines;
}

/** `ultra hash-key`: a new key and its hash, or the hash of a key piped in. */
async function hashKeyCommand(): Promise<number> {
  const { createHash, randomBytes } = await import('node:crypto');
  const hash = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    const key = text.trim();
    if (key !== '') {
      console.log(hash(key));
      return 0;
    }
  }
  const key = `ultra-${randomBytes(24).toString('base64url')}`;
  console.log(`key:  ${key}    (give it to the client; it is not stored anywhere)`);
  console.log(`hash: ${hash(key)}    (put this in auth.keys[].hash)`);
  return 0;
}

/** Runs the `ultra` command; resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, once: { type: 'boolean' }, topology: { type: 'string' } }, allowPositionals: true });
  const command = positionals[0] ?? 'help';
  if (values.help || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'hash-key') return hashKeyCommand();
  if (command === 'serve') {
    const names = serviceNames(positionals.slice(1));
    if (typeof names === 'string') {
      console.error(`ultra serve: ${names}\n\n${USAGE}`);
      return 2;
    }
    return serve(names);
  }
  const topology = values.topology;
  if (topology !== undefined && topology !== 'single' && topology !== 'split') {
    console.error(`ultra: --topology "${topology}" is not one of single, split`);
    return 2;
  }
  let config: UltraConfig;
  try {
    config = loadConfig({ file: values.config, env: process.env });
  } catch (e) {
    if (!isConfigError(e)) throw e;
    console.error(`ultra: ${e.message}`);
    return 2;
  }
  if (command === 'check') {
    for (const line of describe(config)) console.log(line);
    return 0;
  }
  if (command === 'status') return runStatus(config, { once: values.once === true, out: process.stdout });
  if (command !== 'start') {
    console.error(`ultra: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const color = process.stdout.isTTY === true;
  const supervisor = createSupervisor(stackProcesses(config, values.config, topology ?? config.topology), {
    print: (line) => console.log(line),
    format: (service, index, line) => formatLine(service, index, line, color),
    env: process.env,
    stopGraceMs: config.shutdown.graceMs + 2000,
  });
  let stop: Promise<void> | undefined;
  const stopping = new AbortController();
  const stopAll = () => {
    stopping.abort();
    return (stop ??= supervisor.stop());
  };
  // Ctrl-C (or SIGTERM) stops the stack in order; a second one kills what is left and exits.
  const interrupted = new Promise<number>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (stop) {
          console.log(`ultra: ${signal} again: killing the stack`);
          supervisor.kill();
          process.exit(1);
        }
        console.log(`\nultra: ${signal}: stopping the stack`);
        void stopAll().then(() => resolve(0));
      });
    }
  });
  for (const line of describe(config)) console.log(`ultra: ${line}`);
  if (topology && topology !== config.topology) console.log(`ultra: topology ${topology} (--topology)`);
  try {
    const early = await Promise.race([supervisor.start(), interrupted, supervisor.fatal.then((code) => Promise.reject(new Error(`status ${code}`)))]);
    if (typeof early === 'number') return early; // stopped during start-up
  } catch (e) {
    console.error(`ultra: the stack did not start: ${errorMessage(e)}`);
    await stopAll();
    return 1;
  }
  // Ready once the health service has computed its first mode (every component reported),
  // so the first answers do not say a mode that only reflects the start.
  const first = await firstMode(config, 30_000, stopping.signal);
  if (stopping.signal.aborted) return interrupted;
  const mode = first ? `mode ${modeName(first.mode)}${first.reason ? `: ${first.reason}` : ''}` : 'the health service has not computed a mode yet';
  const http = config.services.router.http;
  console.log(`ultra: ready (${mode}). Try:
  curl -s http://${http.host}:${http.port}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"chat","messages":[{"role":"user","content":"Hello, Ultra"}]}'
ultra: Ctrl-C stops the stack.`);
  const code = await Promise.race([interrupted, supervisor.fatal]);
  await stopAll();
  return code;
}
