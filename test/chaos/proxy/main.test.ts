import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('fault proxy: standalone (npm run toxiproxy)', () => {
  it('prints one line when listening, serves the API and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=ultra-source', main, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = once(child, 'exit');
    for (let i = 0; i < 200 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
    const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    expect(url, `stdout: ${out}`).toBeDefined();
    const created = await fetch(`${url}/proxies`, {
      method: 'POST',
      body: JSON.stringify({ name: 'cli', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' }),
    });
    expect(created.status).toBe(201);
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 with the reason on a bad flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=ultra-source', main, '--port', 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(err).toContain('--port must be an integer');
  });
});
