import { CLUSTER_UNSUPPORTED, parseRedisUrl, type RedisTarget } from '@ultra/config';
import { Redis, type RedisOptions } from 'ioredis';

/** Options that say where Redis is and how to log in: they come from `REDIS_URL` only. */
type WhereKeys =
  | 'host'
  | 'port'
  | 'path'
  | 'username'
  | 'password'
  | 'db'
  | 'tls'
  | 'sentinels'
  | 'name'
  | 'role'
  | 'sentinelUsername'
  | 'sentinelPassword'
  | 'sentinelTLS'
  | 'enableTLSForSentinelMode'
  | 'connectionName';

/**
 * How one use of Redis behaves (ioredis options: `maxRetriesPerRequest`, `enableOfflineQueue`,
 * `connectTimeout`, `retryStrategy`, `lazyConnect`, …), with where it is left to the URL.
 */
export type RedisUse = Omit<RedisOptions, WhereKeys> & {
  /** `CLIENT SETNAME`, so `CLIENT LIST` tells Ultra's connections apart: `ultra-cache`, `ultra-queue`. */
  readonly connectionName: string;
  /**
   * Checks on each connect that the server is no Redis Cluster node (one `INFO cluster`).
   * Default true; a connection that only subscribes turns it off (the other connections
   * to the same URL check).
   */
  readonly refuseCluster?: boolean;
};

/** A Redis that is a Cluster node: Ultra refuses it rather than half-work (see {@link CLUSTER_UNSUPPORTED}). */
export class RedisClusterError extends Error {
  constructor(readonly connectionName: string) {
    super(`${connectionName}: the server at REDIS_URL is a Redis Cluster node; ${CLUSTER_UNSUPPORTED}`);
    this.name = 'RedisClusterError';
  }
}

export const isRedisClusterError = (e: unknown): e is RedisClusterError => e instanceof RedisClusterError;

/**
 * How long a Sentinel may take to answer (which master?) before the next Sentinel is
 * asked. Milliseconds. ioredis waits for ever by default: one hung Sentinel would stall
 * every reconnect.
 */
export const SENTINEL_COMMAND_TIMEOUT_MS = 2_000;

/**
 * While no Sentinel answers, they are all asked again every this many milliseconds. One
 * fixed delay, so the error each round reports reads the same every time and a caller that
 * reports each kind of error once (the cache, the queue) says it once. ioredis's default
 * grows by 10 ms a round, a new message each time.
 */
export const SENTINEL_RETRY_MS = 1_000;

/**
 * A server that answers READONLY has been made a replica (a failover): the connection is
 * dropped and made again, to the master the Sentinels (or the DNS name) point at now. The
 * command that failed is not sent again: its caller decides, as for any Redis error.
 */
export const reconnectOnReadOnly = (err: Error): 1 | false => (err.message.startsWith('READONLY') ? 1 : false);

/**
 * The ioredis options for `target` and `use`: a Sentinel URL becomes `sentinels` + `name`
 * (the master is asked of the Sentinels on every connect), and each connection listens to
 * the Sentinels for `+switch-master` (ioredis's `failoverDetector`), dropping the old
 * master the moment a failover ends. Without it a connection stays on an old master that
 * is still up (a `SENTINEL FAILOVER`, a partition) until the Sentinels demote it, seconds
 * later, and every write meanwhile is lost when it resyncs. The cost: one connection per
 * Sentinel (at most 10) per Redis connection, and while a Sentinel is down ioredis writes
 * one `[ioredis] Unhandled error event` line a minute to stderr for each.
 * {@link reconnectOnReadOnly} covers a demotion a connection outlived anyway.
 */
export function redisOptions(target: Exclude<RedisTarget, { kind: 'standalone' }>, use: RedisUse): RedisOptions {
  const { refuseCluster: _checkedElsewhere, ...options } = use;
  const tls = target.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {};
  return {
    sentinelCommandTimeout: SENTINEL_COMMAND_TIMEOUT_MS,
    sentinelRetryStrategy: () => SENTINEL_RETRY_MS,
    failoverDetector: true,
    reconnectOnError: reconnectOnReadOnly,
    ...options,
    sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: target.masterName,
    role: 'master',
    db: target.db,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.sentinelUsername !== undefined ? { sentinelUsername: target.sentinelUsername } : {}),
    ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
    ...tls,
  };
}

/**
 * The one way Ultra connects to Redis: `url` is `REDIS_URL` (`redis://`, `rediss://`,
 * `redis+sentinel://`, `rediss+sentinel://`; docs/cache.md), `use` how this connection
 * behaves. Throws `RedisUrlError` for a malformed URL (the config has checked it already).
 * A server that turns out to be a Cluster node is reported as a {@link RedisClusterError}
 * on the `error` event and the connection is closed (it does not reconnect by itself).
 */
export function createRedisConnection(url: string, use: RedisUse): Redis {
  const target = parseRedisUrl(url);
  const { refuseCluster = true, ...rest } = use;
  const redis =
    target.kind === 'standalone'
      ? new Redis(url, { reconnectOnError: reconnectOnReadOnly, ...rest })
      : new Redis(redisOptions(target, rest));
  if (refuseCluster) {
    redis.on('ready', () => {
      redis.info('cluster').then(
        (info) => {
          if (!/^cluster_enabled:1/m.test(info)) return;
          redis.disconnect();
          // Every use listens for errors; an emit with no listener would throw here.
          if (redis.listenerCount('error') > 0) redis.emit('error', new RedisClusterError(use.connectionName));
        },
        () => undefined, // a connection lost meanwhile checks again on its next ready
      );
    });
  }
  return redis;
}
