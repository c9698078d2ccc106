import { hostname } from 'node:os';
import type { Clock, Random } from '@ultra/core';
import { parseBreakerSnapshot, type BreakerOptions, type BreakerSnapshot } from '@ultra/resilience';
import { createRedisConnection } from '@ultra/runtime/redis';
import type { Redis } from 'ioredis';
import { createFleetLeases, createFleetMembers } from '@ultra/runtime';
import { parseFleetMessage, type FleetMessage } from './fleet-message.ts';
import { createFleetLink, isHeldForce, type FleetLink } from './fleet-provider.ts';

/** The channel every agent publishes provider news on. */
export const FLEET_CHANNEL = 'ultra:agent:fleet';
/** How often an agent reads what Redis keeps of the providers (forces, Retry-Afters, open breakers). Milliseconds. */
export const RECONCILE_MS = 1_000;
/** Where the breaker store keeps each provider's snapshot (`breaker-store.ts`'s default). */
const BREAKER_PREFIX = 'ultra:agent:breaker:';
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
    deps.warn(`fleet: Redis unreachable (${err instanceof Error ? err.message : String(err)}): provider state is this agent's own until Redis answers again`);
  };
  const recovered = () => {
    if (!degraded) return;
    degraded = false;
    deps.warn('fleet: Redis answers again: provider state is shared with the other agents');
  };
  const members = createFleetMembers({
    client: deps.redis,
    clock: deps.clock,
    id,
    key: 'ultra:agent:live',
    onChange: (live) => {
      deps.info(`fleet: ${live} provider-agent${live === 1 ? '' : 's'} alive; each takes 1/${live} of every bulkhead limit`);
      deps.onLive?.(live);
    },
    onError,
  });
  const leases = createFleetLeases({ client: deps.redis, clock: deps.clock, holder: id, keyPrefix: 'ultra:agent:lease:', onError });
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
  // The subscription waits for Redis however long it takes (no start-up waits for it), and
  // ioredis subscribes again after every reconnect.
  const subscriber = createRedisConnection(deps.url, {
    connectionName: 'ultra-provider-agent-fleet',
    refuseCluster: false,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  subscriber.on('error', onError);
  subscriber.on('message', (channel: string, text: string) => {
    if (channel !== FLEET_CHANNEL) return;
    const message = parseFleetMessage(text);
    if (typeof message === 'string') return deps.warn(`fleet: a message on ${FLEET_CHANNEL} ignored: ${message}`);
    links.get(message.provider)?.hear(message);
  });

  // What Redis keeps, read every RECONCILE_MS: what a subscriber missed (pub/sub delivers at most once) is taken up.
  const names = [...links.keys()];
  let timer: unknown;
  let stopped = false;
  const reconcile = async (): Promise<void> => {
    if (names.length === 0) return;
    const keys = names.flatMap((n) => [`ultra:agent:force:${n}`, `ultra:agent:retry-after:${n}`, `${BREAKER_PREFIX}${n}`]);
    const values = await deps.redis.mget(...keys).catch((e: unknown) => (onError(e), undefined));
    if (!values) return;
    recovered();
    names.forEach((name, i) => {
      const [force, until, snapshot] = [values[3 * i], values[3 * i + 1], values[3 * i + 2]];
      const retryAfterUntil = until ? Number(until) : NaN;
      let parsed: BreakerSnapshot | undefined;
      try {
        const result = snapshot ? parseBreakerSnapshot(JSON.parse(snapshot)) : undefined;
        parsed = result?.ok ? result.snapshot : undefined;
      } catch {
        parsed = undefined;
      }
      links.get(name)?.reconcile({ force: isHeldForce(force) ? force : undefined, retryAfterUntil: Number.isFinite(retryAfterUntil) ? retryAfterUntil : undefined, snapshot: parsed });
    });
  };

  return {
    id,
    link: (name: string): FleetLink | undefined => links.get(name),
    get live() {
      return members.live;
    },
    /** Subscribes, heartbeats once and takes up what Redis keeps (forces, Retry-Afters, open breakers); never rejects. */
    async start(): Promise<void> {
      void subscriber.subscribe(FLEET_CHANNEL).catch(onError);
      await members.beat();
      members.start();
      await reconcile();
      const loop = () => {
        timer = deps.clock.setTimeout(() => void reconcile().finally(() => stopped || loop()), RECONCILE_MS);
      };
      loop();
    },
    /** Leaves the live count (at most 1 s of waiting for Redis) and unsubscribes. */
    async stop(): Promise<void> {
      stopped = true;
      deps.clock.clearTimeout(timer);
      let wait: unknown;
      await Promise.race([members.stop(), new Promise<void>((resolve) => (wait = deps.clock.setTimeout(resolve, 1_000)))]);
      deps.clock.clearTimeout(wait);
      subscriber.disconnect();
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
