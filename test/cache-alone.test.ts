import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess } from '@ultra/testkit';
import { describe, expect, it } from 'vitest';

describe('a cache replica without Redis beside another', () => {
  it('refuses to start, naming the dial list and REDIS_URL', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const file = join(mkdtempSync(join(tmpdir(), 'ultra-alone-')), 'ultra.yaml');
    writeFileSync(file, `providers:\n  primary: [openai]\nservices:\n  cache: { address: 127.0.0.1:${a}, metrics: 127.0.0.1:0, dial: [127.0.0.1:${a}, 127.0.0.1:${b}] }\n`);
    const env: NodeJS.ProcessEnv = { ULTRA_LOG_LEVEL: 'warn' };
    delete env.REDIS_URL;
    const cache = startProcess('cache', 'services/cache/src/main.ts', ['--config', file], { env, execArgv: [] });
    await expect(cache.ready).rejects.toThrow();
    const code = await cache.exited;
    expect(code, cache.output.join('\n')).toBe(1);
    expect(cache.output.join('\n')).toContain(`services.cache.dial names 2 replicas (127.0.0.1:${a}, 127.0.0.1:${b}), but REDIS_URL is not set`);
  }, 30_000);
});
