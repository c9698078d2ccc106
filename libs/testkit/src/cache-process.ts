import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@connectrpc/connect';
import { CacheService } from '@ultra/contracts/cache';
import { Health } from '@ultra/contracts/grpc-health';
import { createServiceClient } from '@ultra/runtime';
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

/** A cache process with a client of its CacheService and of its grpc.health. */
export interface CacheReplica {
  proc: CacheProcess;
  cache: Client<typeof CacheService>;
  health: Client<typeof Health>;
}

/** Starts one cache process per name with the same options, and resolves once every one is ready. */
export async function startCacheReplicas(names: readonly string[], options: { redisUrl?: string; cacheConfig?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CacheReplica[]> {
  const procs = await Promise.all(names.map((name) => startCacheProcess({ ...options, name })));
  const replicas = procs.map((proc) => ({
    proc,
    cache: createServiceClient(CacheService, { host: '127.0.0.1', port: proc.port }),
    health: createServiceClient(Health, { host: '127.0.0.1', port: proc.port }),
  }));
  await Promise.all(procs.map((p) => p.ready));
  return replicas;
}
