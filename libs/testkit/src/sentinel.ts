import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { freePort } from './ports.ts';
import { startRedis, type RedisServer } from './redis.ts';
import { stopRedis } from './redis-control.ts';
import { pollUntil } from './wait-for.ts';

/** A master, its replicas and the Sentinels that watch them, all real processes on free ports. */
export interface SentinelSet {
  /** The group's name (`sentinel monitor NAME`). */
  readonly masterName: string;
  /** `redis+sentinel://[:PASSWORD@]127.0.0.1:P1,…/NAME[?sentinel_password=…]`: what REDIS_URL is set to. */
  readonly url: string;
  /** Every data server: the first starts as master, the others as its replicas. */
  readonly servers: readonly RedisServer[];
  readonly sentinelPorts: readonly number[];
  /** The port of the server the Sentinels name as master now. */
  masterPort(): Promise<number>;
  /**
   * `SENTINEL FAILOVER`, then waits until the Sentinels name another master and that
   * server says it is one. Resolves with the old and new master's ports.
   */
  failover(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

async function startSentinel(masterName: string, masterPort: number, auth: SentinelAuth): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ultra-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  // A Sentinel rewrites its file, so it lives in a directory of its own.
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${masterName} 5000`,
      `sentinel failover-timeout ${masterName} 20000`,
      ...(auth.password ? [`sentinel auth-pass ${masterName} ${auth.password}`] : []),
      ...(auth.sentinelPassword ? [`requirepass ${auth.sentinelPassword}`] : []),
      '',
    ].join('\n'),
  );
  // `redis-sentinel` is often not installed; `redis-server --sentinel` is the same program.
  const proc = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.includes('+monitor master')) resolve();
    });
    proc.once('error', (e) => reject(new Error(`cannot start redis-server --sentinel: ${e.message}`)));
    proc.once('exit', (code) => reject(new Error(`redis-server --sentinel exited with status ${code}`)));
  });
  return { port, proc };
}

/** Passwords of the data servers (`requirepass`, `masterauth`) and of the Sentinels. */
export interface SentinelAuth {
  readonly password?: string;
  readonly sentinelPassword?: string;
}

const ask = async <T>(port: number, f: (r: Redis) => Promise<T>, password?: string): Promise<T> => {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(password ? { password } : {}) });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await f(r);
  } finally {
    r.disconnect();
  }
};

/** `INFO replication`'s `role:` line of the server at `port`, or `down`. */
export const roleOf = (port: number, password?: string): Promise<string> =>
  ask(port, async (r) => /^role:(\w+)/m.exec(await r.info('replication'))?.[1] ?? 'unknown', password).catch(() => 'down');

/**
 * Starts `replicas + 1` Redis servers (one master, its replicas) and `sentinels` Sentinels
 * (quorum 1) watching them, and resolves once every Sentinel knows every replica as
 * in sync: a failover may then be asked for at once. Defaults: 1 replica, 1 Sentinel,
 * group `ultra-master`, no passwords.
 */
export async function startSentinelSet(options: { replicas?: number; sentinels?: number; masterName?: string } & SentinelAuth = {}): Promise<SentinelSet> {
  const masterName = options.masterName ?? 'ultra-master';
  // No 5 s wait for more replicas before the first sync (Redis's default for diskless sync).
  const pass = options.password ? ['--requirepass', options.password, '--masterauth', options.password] : [];
  const master = await startRedis(undefined, ['--repl-diskless-sync-delay', '0', ...pass]);
  const replicas = await Promise.all(Array.from({ length: options.replicas ?? 1 }, () => startRedis(undefined, ['--replicaof', '127.0.0.1', String(master.port), ...pass])));
  const servers = [master, ...replicas];
  const sentinels = await Promise.all(Array.from({ length: options.sentinels ?? 1 }, () => startSentinel(masterName, master.port, options)));
  const sentinelPorts = sentinels.map((s) => s.port);
  const sentinel = (f: (r: Redis) => Promise<unknown>) => ask(sentinelPorts[0]!, f, options.sentinelPassword);
  const masterPort = async () => Number(((await sentinel((r) => r.call('SENTINEL', 'get-master-addr-by-name', masterName))) as string[])[1]);
  // Ready when each Sentinel lists every replica, none flagged down, and each replica has synced.
  const ready = async () => {
    for (const port of sentinelPorts) {
      const list = (await ask(port, (r) => r.call('SENTINEL', 'replicas', masterName), options.sentinelPassword).catch(() => [])) as string[][];
      const fine = list.filter((fields) => {
        const f = Object.fromEntries(fields.flatMap((v, i) => (i % 2 === 0 ? [[v, fields[i + 1]]] : [])));
        return f['flags'] === 'slave' && f['master-link-status'] === 'ok';
      });
      if (fine.length < replicas.length) return false;
    }
    return true;
  };
  await pollUntil('every Sentinel to see every replica in sync', ready, (ok) => ok, 30_000);
  return {
    masterName,
    url:
      `redis+sentinel://${options.password ? `:${encodeURIComponent(options.password)}@` : ''}` +
      `${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${masterName}` +
      `${options.sentinelPassword ? `?sentinel_password=${encodeURIComponent(options.sentinelPassword)}` : ''}`,
    servers,
    sentinelPorts,
    masterPort,
    async failover() {
      const from = await masterPort();
      await sentinel((r) => r.call('SENTINEL', 'failover', masterName));
      const to = await pollUntil('the Sentinels to name a new master', masterPort, (p) => p !== from, 30_000);
      await pollUntil(`127.0.0.1:${to} to say it is master`, () => roleOf(to, options.password), (role) => role === 'master', 30_000);
      return { from, to };
    },
    async stop() {
      await Promise.all(
        sentinels.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.proc.exitCode !== null) return resolve();
              s.proc.once('exit', () => resolve());
              s.proc.kill('SIGTERM');
            }),
        ),
      );
      await Promise.all(servers.map(stopRedis));
    },
  };
}
