import { hostname } from 'node:os';
import type { Clock, Random } from '@ultra/core';
import { createFleetLeases, createFleetRole, type FleetRole, type Logger } from '@ultra/runtime';
import { createRouterCensus, HEARTBEAT_MS, HEARTBEAT_TTL_MS, type RouterCensus } from './auth/router-census.ts';

/** Where the routers' leases live: lease `name` is this prefix + name. */
export const ROUTER_LEASE_PREFIX = 'ultra:router:lease:';
/** The lease of the router that exports the fleet-wide gauges (the queue's). */
export const GAUGES_ROLE = 'gauges';

/** What the routers share through Redis; see {@link openRouterFleet}. */
export interface RouterFleet {
  /** The routers alive (heartbeats): the limits' fallback share, the failover budget's floor. */
  readonly census: RouterCensus;
  /** Held by one router at a time: the one that exports the gauges of shared state. */
  readonly gauges: FleetRole;
  close(): void;
}

/**
 * The router replicas as a fleet, when there is a Redis (`REDIS_URL`): one heartbeat per
 * router every 5 s (router-census.ts), and one expiring lease, renewed at the same pace
 * and ending 15 s after its holder's last renewal, naming the router that exports the
 * gauges of fleet-wide state (the queue's depth, ages, dead letters, retries), so that a
 * sum over the routers' `/metrics` counts them once. Without Redis there is none: a router
 * is the whole fleet and exports everything itself, as before. Says in the log when this
 * router takes or leaves the exporter's role, and once when Redis stops answering.
 */
export async function openRouterFleet(deps: { redisUrl: string | undefined; clock: Clock; random: Random; log: Logger }): Promise<RouterFleet | undefined> {
  const { redisUrl, clock, log } = deps;
  if (!redisUrl) return undefined;
  const { createRedisConnection } = await import('@ultra/runtime/redis');
  const redis = createRedisConnection(redisUrl, { connectionName: 'ultra-router-fleet', maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  const id = `${hostname()}:${process.pid}:${Math.floor(deps.random() * 1e9).toString(36)}`;
  let away = false;
  // Until the connection is first ready, a failed call is the start, not an outage.
  let connected = false;
  const onError = (err: unknown) => {
    if (away || !connected) return;
    away = true;
    log.warn(`router fleet: Redis unreachable (${err instanceof Error ? err.message : String(err)}): the last router count stands, and no router exports the queue's gauges`);
  };
  const census = createRouterCensus({
    redis,
    id,
    clock,
    onChange: (live) => {
      away = false;
      log.info(`router fleet: ${live} router${live === 1 ? '' : 's'} alive; the failover budget's floor and the limits' fallback are shared ${live} way${live === 1 ? '' : 's'}`);
    },
    onError,
  });
  const leases = createFleetLeases({ client: redis, clock, holder: id, keyPrefix: ROUTER_LEASE_PREFIX, whenUnanswered: 'refuse', onError });
  const gauges = createFleetRole({
    leases,
    clock,
    name: GAUGES_ROLE,
    ttlMs: HEARTBEAT_TTL_MS,
    everyMs: HEARTBEAT_MS,
    onChange: (held) => log.info(held ? 'router fleet: this router exports the fleet-wide gauges (ultra_queue_*)' : 'router fleet: another router exports the fleet-wide gauges (ultra_queue_*)'),
  });
  gauges.start();
  redis.once('ready', () => {
    connected = true;
    // What failed before the connection was ready, again at once rather than at the next beat.
    void census.beat();
    void gauges.claim();
  });
  return {
    census,
    gauges,
    close() {
      gauges.stop();
      census.stop();
      // Let the release and the heartbeat's removal reach Redis before the connection ends.
      void redis.quit().catch(() => redis.disconnect());
    },
  };
}
