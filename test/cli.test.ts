import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { HealthService } from '@ultra/contracts/health';
import { freeStackPorts, repoPath, stackConfig } from '@ultra/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const bin = repoPath('libs/cli/bin/ultra.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  // From the TypeScript source (the compiled build has its own test, build.test.ts).
  const proc = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ULTRA_SOURCE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  for (const stream of [proc.stdout, proc.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const w of [...waiters]) {
        const m = line.match(w.re);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  /** Resolves with the first line, from now or already printed after `from`, matching `re`. */
  const waitFor = (re: RegExp, from = 0) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      for (const line of lines.slice(from)) {
        const m = line.match(re);
        if (m) return resolve(m);
      }
      waiters.push({ re, resolve });
      void exited.then((code) => reject(new Error(`ultra exited (${code}) before printing ${re}:\n${lines.join('\n')}`)));
    });
  return { proc, lines, exited, waitFor };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('ultra CLI', () => {
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const p of started) p.kill('SIGKILL');
  });

  it('a bad config stops the start with every problem, exit 2, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ultra-cli-'));
    writeFileSync(join(dir, 'bad.yaml'), 'providers:\n  primary: []\nfailover:\n  cooldown: soon\n  colour: red\n');
    const { exited, lines } = run(['start', '--config', join(dir, 'bad.yaml')]);
    expect(await exited).toBe(2);
    expect(lines).toEqual([
      `ultra: invalid config (${join(dir, 'bad.yaml')}):`,
      '  failover.cooldown: "soon" is not a duration (write e.g. 250ms, 30s, 5m, 1h)',
      '  failover.colour: unknown key (expected one of: strategy, sticky_sessions, cooldown, max_attempts, max_retry_wait, default_timeout, cooldown_ramp, weights, explore, panic_threshold, retry_budget, outlier_ejection, hedging, coalesce, first_token_timeout, idle_timeout, stream_resume)',
      '  providers.primary: a tier needs at least one provider',
    ]);
  });

  // single (the default): the four services in one process; split: one process each.
  it.each([
    { topology: 'single', flags: [], children: ['provider-sim', 'services'], victim: 'services' },
    { topology: 'split', flags: ['--topology', 'split'], children: ['cache', 'health', 'provider-agent', 'provider-sim', 'router'], victim: 'cache' },
  ])('ultra start ($topology) runs the stack, restarts a crashed child and answers again, the README curl twice (cache), stops on Ctrl-C', async ({ flags, children, victim }) => {
    const ports = await freeStackPorts();
    const dir = mkdtempSync(join(tmpdir(), 'ultra-cli-'));
    const file = join(dir, 'ultra.yaml');
    writeFileSync(file, stackConfig(ports).replace('simulate: always\n', ''));
    const ultra = run(['start', ...flags], { ULTRA_CONFIG: file, OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', GEMINI_API_KEY: '', COHERE_API_KEY: '' });
    started.push(ultra.proc);
    const [ready] = await ultra.waitFor(/^ultra: ready.*/);
    // A fresh start is NORMAL from the first mode on: a service not listening yet is
    // starting, not failing, and ready waits for the first mode.
    expect(ready).toMatch(/^ultra: ready \(mode NORMAL\)/);
    expect(ultra.lines.filter((l) => /DEGRADED|mode \d/.test(l))).toEqual([]);
    // The health service's own line: it writes its log in the background, so in one process it may reach the supervisor's output after ready.
    await ultra.waitFor(/mode NORMAL: first evaluation, every component has reported/);
    const health = createClient(HealthService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${ports.health}` }));
    expect((await health.getStatus({})).history).toEqual([]);
    expect(ultra.lines).toContain('ultra: cache: in-process store (set REDIS_URL to share it through Redis)');
    expect(ultra.lines.some((l) => /openai\s+openai\s+simulated/.test(l))).toBe(true);

    const curl = () =>
      fetch(`http://127.0.0.1:${ports.routerHttp}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Hello, Ultra' }] }),
      });
    const first = await curl();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ultra-mode')).toBe('NORMAL');
    expect(first.headers.get('x-ultra-served-from')).toBe('provider');
    const second = await curl();
    expect(second.headers.get('x-ultra-served-from')).toBe('cache');

    const pids = new Map<string, number>();
    for (const line of ultra.lines) {
      const m = line.match(/^ultra: (\S+) is up \(pid (\d+)\)/);
      if (m) pids.set(m[1]!, Number(m[2]));
    }
    expect([...pids.keys()].sort()).toEqual(children);

    const mark = ultra.lines.length;
    process.kill(pids.get(victim)!, 'SIGKILL');
    await ultra.waitFor(new RegExp(`^ultra: ${victim} exited \\(SIGKILL\\); restarting in \\d+ ms`), mark);
    const [, newPid] = await ultra.waitFor(new RegExp(`^ultra: ${victim} is up \\(pid (\\d+)\\)`), mark);
    expect(Number(newPid)).not.toBe(pids.get(victim));
    pids.set(victim, Number(newPid));
    // requests resume on the restarted process
    expect((await curl()).status).toBe(200);

    ultra.proc.kill('SIGINT');
    expect(await ultra.exited).toBe(0);
    for (const [name, pid] of pids) expect(alive(pid), `${name} still running`).toBe(false);
  }, 90_000);
});
