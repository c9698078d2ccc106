import { spawn } from 'node:child_process';
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

  it('exits 2 on a bad argument', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=ultra-source', MAIN, '--port', 'eighty'], { cwd: ROOT, stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
  });
});
