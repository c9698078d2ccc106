import { hostname } from 'node:os';
import type { Clock, Random } from '@ultra/core';
import type { BreakerOptions, ForceMode } from '@ultra/resilience';
import { createRedisConnection } from '@ultra/runtime/redis';
import type { Redis } from 'ioredis';
import { createFleetLeases } from './fleet-lease.ts';
import { createFleetMembers } from './fleet-members.ts';
import { parseFleetMessage, type FleetMessage } from './fleet-message.ts';
import { createFleetLink, type FleetLink } from './fleet-provider.ts';

/** The channel every agent publishes provider news on. */
export const FLEET_CHANNEL = 'ultra:agent:fleet';
/** How long one half-open trial holds the fleet's trial lease (renewed by each trial call it admits). Milliseconds. */
export const TRIAL_LEASE_MS = 10_000;

export interface FleetDeps {
  /** The agent's command connection (`createRedisClient`). */
  readonly redis: Redis;
  /** `REDIS_URL`, for the subscriber's own connection. */
  readonly url: string;
  readonly clock: Clock;
  readonly random: Random;
  /** Each provider's resolved breaker options. */
  readonly providers: ReadonlyMap<string, BreakerOptions>;
  /** `health_check`, for the probe lease. Milliseconds. */
  readonly healthCheck: { readonly intervalMs: number; readonly timeoutMs: number };
  readonly info: (message: string) => void;
  readonly warn: (message: string) => void;
  /** Told the live agent count when it changes. */
  readonly onLive?: (live: number) => void;
}

/** What the agent restores from the fleet before serving: operator forces, Retry-Afters still running. */
export interface FleetStart {
  readonly forces: ReadonlyMap<string, ForceMode>;
}

/**
 * Provider state shared by the agent replicas through Redis (issue #20): breaker changes,
 * forces, Retry-Afters and probe results on one pub/sub channel; one half-open trial and
 * one health probe per provider at a time (leases); the bulkhead split over the live
 * agents (heartbeats). When Redis fails, each agent goes on with what it knows (its own
 * breakers, the last live count) and says so once, and again when Redis is back.
 */
export function createFleet(deps: FleetDeps) {
  const id = `${hostname()}:${process.pid}:${Math.floor(deps.random() * 1e9).toString(36)}`;
  let degraded = false;
  const onError = (err: unknown) => {
    if (degraded) return;
    degraded = true;
    deps.warn(`fleet: Redis unreachable (${err instanceof Error ? err.message : String(err)}): provider state is this agent's own until it is back`);
  };
  const recovered = () => {
    if (!degraded) return;
    degraded = false;
    deps.info('fleet: Redis reachable again: provider state is shared with the other agents');
  };
  const members = createFleetMembers({
    client: deps.redis,
    clock: deps.clock,
    id,
    onChange: (live) => {
      deps.info(`fleet: ${live} provider-agent${live === 1 ? '' : 's'} alive; each takes 1/${live} of every bulkhead limit`);
      deps.onLive?.(live);
    },
    onError,
  });
  const leases = createFleetLeases({ client: deps.redis, clock: deps.clock, holder: id, onError });
  const publish = (message: FleetMessage): Promise<void> => deps.redis.publish(FLEET_CHANNEL, JSON.stringify(message)).then(recovered, onError);
  const links = new Map<string, FleetLink>();
  for (const [name, breaker] of deps.providers) {
    links.set(
      name,
      createFleetLink({
        name,
        agentId: id,
        clock: deps.clock,
        breaker,
        probeLeaseMs: deps.healthCheck.intervalMs + deps.healthCheck.timeoutMs + 1_000,
        trialLeaseMs: TRIAL_LEASE_MS,
        redis: deps.redis,
        leases,
        publish,
        live: () => members.live,
        onError,
        log: deps.info,
      }),
    );
  }
  const subscriber = createRedisConnection(deps.url, { connectionName: 'ultra-provider-agent-fleet', refuseCluster: false, retryStrategy: (times) => Math.min(times * 100, 2_000) });
  subscriber.on('error', onError);
  subscriber.on('message', (channel: string, text: string) => {
    if (channel !== FLEET_CHANNEL) return;
    const message = parseFleetMessage(text);
    if (typeof message === 'string') return deps.warn(`fleet: a message on ${FLEET_CHANNEL} ignored: ${message}`);
    links.get(message.provider)?.hear(message);
  });

  return {
    id,
    link: (name: string): FleetLink | undefined => links.get(name),
    get live() {
      return members.live;
    },
    /** Subscribes, heartbeats once and reads the forces and Retry-Afters in force; never rejects. */
    async start(): Promise<FleetStart> {
      const forces = new Map<string, ForceMode>();
      await subscriber.subscribe(FLEET_CHANNEL).catch(onError);
      await members.beat();
      members.start();
      const names = [...links.keys()];
      const read = async (prefix: string) => (names.length === 0 ? [] : await deps.redis.mget(...names.map((n) => prefix + n)).catch((e: unknown) => (onError(e), [])));
      const forced = await read('ultra:agent:force:');
      const waits = await read('ultra:agent:retry-after:');
      names.forEach((name, i) => {
        const mode = forced[i];
        if (mode === 'open' || mode === 'closed' || mode === 'disabled' || mode === 'metrics-only') forces.set(name, mode);
        const until = Number(waits[i] ?? NaN);
        if (Number.isFinite(until)) links.get(name)?.hear({ kind: 'retry-after', from: '', provider: name, until });
      });
      return { forces };
    },
    async stop(): Promise<void> {
      await members.stop();
      subscriber.disconnect();
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
