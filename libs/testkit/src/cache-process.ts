import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { startProcess, type ServiceProcess } from './service-process.ts';

export interface CacheProcess extends ServiceProcess {
  port: number;
  configFile: string;
}

/**
 * Starts the cache service as its own OS process on a free port, from a config file it
 * writes; `redisUrl` becomes REDIS_URL, `cacheConfig` the body of the `cache:` section
 * (e.g. `lease: { wait: 2s }`).
 */
export async function startCacheProcess(options: { name?: string; redisUrl?: string; cacheConfig?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CacheProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ultra-cache-'));
  const configFile = join(dir, 'ultra.yaml');
  writeFileSync(
    configFile,
    `providers:
  primary: [openai]
simulate: always
services:
  cache: { address: 127.0.0.1:${port} }
shutdown: { grace: 2s }
${options.cacheConfig ? `cache:\n  ${options.cacheConfig.trim().split('\n').join('\n  ')}\n` : ''}`,
  );
  const env: NodeJS.ProcessEnv = { ULTRA_LOG_LEVEL: 'warn', ...options.env };
  if (options.redisUrl) env['REDIS_URL'] = options.redisUrl;
  const proc = startProcess(options.name ?? 'cache', 'services/cache/src/main.ts', ['--config', configFile], { env });
  return { ...proc, port, configFile };
}
