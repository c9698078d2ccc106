import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { freePort, repoPath, stackConfig } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * The production build: `npm run build` (which `npm ci` runs as `prepare`) compiles every
 * workspace into dist/, and `ultra` then runs that JavaScript with no TypeScript loader.
 */
describe('the compiled build', () => {
  let proc: ReturnType<typeof spawn> | undefined;
  let ports: Awaited<ReturnType<typeof portsOf>>;
  const lines: string[] = [];

  beforeAll(async () => {
    // Incremental: quick when dist/ is up to date, a full compile otherwise.
    await run(process.execPath, [repoPath('node_modules/typescript/bin/tsc'), '-b', repoPath('tsconfig.build.json')], { cwd: repoPath('.') });
    ports = await portsOf();
    const dir = mkdtempSync(join(tmpdir(), 'ultra-build-'));
    writeFileSync(join(dir, 'ultra.yaml'), stackConfig(ports));
    const env: NodeJS.ProcessEnv = { ...process.env, ULTRA_LOG_LEVEL: 'info' };
    delete env['ULTRA_SOURCE'];
    delete env['NODE_OPTIONS'];
    proc = spawn(process.execPath, [repoPath('libs/cli/bin/ultra.js'), 'start', '--config', join(dir, 'ultra.yaml')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      for (const stream of [proc!.stdout!, proc!.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          lines.push(line);
          if (line.startsWith('ultra: ready')) resolve();
        });
      }
      proc!.once('exit', (code) => reject(new Error(`ultra start exited (${code}):\n${lines.join('\n')}`)));
    });
  }, 240_000);

  afterAll(() => {
    proc?.kill('SIGINT');
  });

  it('leaves JavaScript for every package its exports name, and the command runs it', () => {
    for (const pkg of ['libs/cli', 'libs/runtime', 'libs/contracts', 'services/router', 'services/cache', 'services/provider-agent', 'services/health']) {
      const exports = JSON.parse(readFileSync(repoPath(`${pkg}/package.json`), 'utf8')).exports as Record<string, { default: string }>;
      for (const target of Object.values(exports)) expect(existsSync(repoPath(`${pkg}/${target.default}`)), `${pkg} ${target.default}`).toBe(true);
    }
    const pid = Number(/^ultra: services is up \(pid (\d+)\)/.exec(lines.find((l) => l.startsWith('ultra: services is up')) ?? '')?.[1]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.find((a) => a.endsWith('serve-main.js'))).toMatch(/libs\/cli\/dist\/serve-main\.js$/);
    expect(cmdline.join(' ')).not.toMatch(/tsx/);
  });

  it('loads no TypeScript loader: no esbuild service (tsx runs one) under the command or its children', async () => {
    const children = async (pid: number) => (await run('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }))).stdout.trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/));
    const seen: string[] = [];
    for (const [pid, comm] of await children(proc!.pid!)) {
      seen.push(comm!);
      for (const [, grandchild] of await children(Number(pid))) seen.push(grandchild!);
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((c) => /esbuild/.test(c))).toEqual([]);
  });

  it('answers a chat completion, then from the cache', async () => {
    const ask = () =>
      fetch(`http://127.0.0.1:${ports.routerHttp}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'compiled' }] }),
      });
    const first = await ask();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ultra-served-from')).toBe('provider');
    expect((await ask()).headers.get('x-ultra-served-from')).toBe('cache');
  });
});

async function portsOf() {
  return { router: await freePort(), routerHttp: await freePort(), agent: await freePort(), cache: await freePort(), health: await freePort(), simulator: await freePort() };
}
