import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The simulator as the services start it: its own process, one line when ready, exit 0 on a signal. */
describe('provider-sim main', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('prints where it listens, serves, and exits 0 on %s', async (signal) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=ultra-source', MAIN, '--port', '0', '--host', '127.0.0.1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      expect(line).toMatch(/^provider-sim listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = line.slice('provider-sim listening on '.length);
      expect(await (await fetch(`${url}/_sim/health`)).json()).toEqual({ ok: true });
      expect((await fetch(`${url}/any-name/v1/models`)).status).toBe(200);
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('streams the same events unpaced as paced, the paced ones spread over their reads', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=ultra-source', MAIN, '--port', '0', '--host', '127.0.0.1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const url = new URL(line.slice('provider-sim listening on '.length));
      /** The reads a raw client in this process gets for one streamed request, until the stream's end. */
      const reads = (provider: string) =>
        new Promise<string[]>((resolve, reject) => {
          const body = JSON.stringify({ model: 'gpt-x', messages: [{ role: 'user', content: 'ping pong' }], stream: true });
          const socket = connect(Number(url.port), '127.0.0.1', () => socket.write(`POST /${provider}/v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`));
          const got: string[] = [];
          socket.on('data', (b: Buffer) => {
            got.push(b.toString());
            if (!got.join('').includes('data: [DONE]')) return;
            socket.destroy();
            resolve(got);
          });
          socket.on('error', reject);
        });
      /** The stream's events, ids and times taken out. */
      const events = (raw: string) => [...raw.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!.replace(/"id":"[^"]*"|"created":\d+/g, ''));
      const unpaced = events((await reads('same')).join(''));
      expect((await fetch(`${url.origin}/_sim/providers/same/faults`, { method: 'PUT', body: '{"chunkDelayMs": 2}' })).status).toBe(200);
      const pacedReads = await reads('same');
      expect(pacedReads.length).toBeGreaterThan(4);
      expect(unpaced).toEqual(events(pacedReads.join('')));
      expect(unpaced.at(-1)).toBe('[DONE]');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits 2 on a bad argument', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=ultra-source', MAIN, '--port', 'eighty'], { cwd: ROOT, stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
  });
});
