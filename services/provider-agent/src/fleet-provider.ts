import { Outcome } from '@ultra/contracts/chat';
import { formatDuration, type Clock } from '@ultra/core';
import { isProviderFailure, type BreakerOptions, type BreakerSnapshot, type BreakerState, type ForceMode } from '@ultra/resilience';
import type { Redis } from 'ioredis';
import type { FleetLeases } from '@ultra/runtime';
import type { FleetMessage } from './fleet-message.ts';
import { takesRemoteChange } from './fleet-rule.ts';
import type { ProbeResult } from './provider-machine.ts';

/** The forces an operator holds (kept in Redis); `closed` and `auto` end one. */
export type HeldForce = 'open' | 'disabled' | 'metrics-only';
const HELD_STATE: Record<HeldForce, BreakerState> = { open: 'forced-open', disabled: 'disabled', 'metrics-only': 'metrics-only' };
export const isHeldForce = (v: unknown): v is HeldForce => v === 'open' || v === 'disabled' || v === 'metrics-only';

/** A call the fleet holds back before it reaches the breaker. */
export interface FleetRefusal {
  readonly detail: string;
  readonly retryAfterMs: number;
}

/** What the fleet does to one provider's breaker here (the provider actor gives it). */
export interface FleetTarget {
  breaker(): { readonly state: BreakerState; readonly openUntil?: number | undefined };
  restore(snapshot: BreakerSnapshot): void;
  force(mode: ForceMode): void;
  /** Opens the breaker the way a trip of its own would (the fleet's run of failures reached the threshold). */
  trip(): void;
}

/** One provider's link to the other agents; see `fleet.ts`. */
export interface FleetLink {
  /** Before a call reaches the breaker: a refusal while a Retry-After holds, or while another agent holds the half-open trial. */
  admit(state: BreakerState): Promise<FleetRefusal | undefined>;
  /** How one attempt ended (`retryAfterMs`: the provider's Retry-After). */
  result(outcome: Outcome, retryAfterMs?: number): void;
  /**
   * Resolves once the other agents have been told what the last results meant (a
   * Retry-After, a trip of the shared run), at most {@link TOLD_WAIT_MS} later: a failed
   * call answers after that, so the caller's next try, on any agent, finds it known.
   */
  told(): Promise<void>;
  /** Before a health probe: undefined when it is this agent's turn, else what the agent that probes found last. */
  probeTurn(): Promise<ProbeResult | undefined>;
  /** This agent's probe found `result`. */
  probed(result: ProbeResult): void;
  /** The breaker here changed (`snapshot` after it); published unless the change came from the fleet. */
  breakerChanged(from: BreakerState, to: BreakerState, snapshot: BreakerSnapshot): void;
  /** An operator forced the breaker here: every agent forces it. */
  forced(mode: ForceMode): void;
  /** This agent's part of a fleet-wide concurrency limit: ceil(limit / live agents). */
  share(limit: number): number;
  /** Hears another agent's message about this provider. */
  hear(message: FleetMessage): void;
  /**
   * Takes up what Redis keeps of this provider (read every second, for what a subscriber
   * missed): the operator's held force (none: a force taken from the fleet ends), a
   * Retry-After, the last breaker snapshot an agent saved.
   */
  reconcile(kept: { readonly force: HeldForce | undefined; readonly retryAfterUntil: number | undefined; readonly snapshot: BreakerSnapshot | undefined }): void;
  attach(target: FleetTarget): void;
}

export interface FleetLinkDeps {
  readonly name: string;
  readonly agentId: string;
  readonly clock: Clock;
  readonly breaker: BreakerOptions;
  /** `health_check`: the probe lease lasts an interval and a timeout, so its holder keeps it while it lives. */
  readonly probeLeaseMs: number;
  /** How long one half-open trial may hold the trial lease. Milliseconds. */
  readonly trialLeaseMs: number;
  readonly redis: Pick<Redis, 'eval' | 'set' | 'del'>;
  readonly leases: FleetLeases;
  /** Resolves when Redis has taken the message (and handed it to every subscriber); never rejects. */
  readonly publish: (message: FleetMessage) => Promise<void>;
  readonly live: () => number;
  readonly onError: (err: unknown) => void;
  readonly log: (message: string) => void;
}

/** INCR with an expiry: the fleet's run of failures in a row. */
const INCR = `local n = redis.call('INCR', KEYS[1]) redis.call('PEXPIRE', KEYS[1], ARGV[1]) return n`;

/** The longest a failed call waits for the fleet to be told (`told`). Milliseconds. */
export const TOLD_WAIT_MS = 100;

/** The run of failures is reset at most this often by successes when this agent has added nothing to it. Milliseconds. */
const RESET_EVERY_MS = 1_000;

export function createFleetLink(deps: FleetLinkDeps): FleetLink {
  const { name, clock, agentId: from } = deps;
  const runKey = `ultra:agent:run:${name}`;
  const trialLease = `trial:${name}`;
  const probeLease = `probe:${name}`;
  let target: FleetTarget | undefined;
  let applying = false;
  let retryAfterUntil = 0;
  let lastProbe: ProbeResult = { ok: true };
  let addedToRun = false;
  let lastReset = 0;
  let holdsTrial = false;
  /** The held force is the fleet's (heard, read from Redis, or this agent's own once Redis keeps it): Redis keeping none ends it. */
  let forcedByFleet = false;
  /** The last INCR of the run under way, and the last message published: what `told` waits for. */
  let counting: Promise<unknown> = Promise.resolve();
  let published: Promise<void> = Promise.resolve();
  const publish = (message: FleetMessage) => {
    published = deps.publish(message);
  };

  const apply = (fn: (t: FleetTarget) => void) => {
    if (!target) return;
    applying = true;
    try {
      fn(target);
    } finally {
      applying = false;
    }
  };

  const holdRetryAfter = (until: number, source: string) => {
    if (until <= retryAfterUntil || until <= clock.now()) return;
    retryAfterUntil = until;
    deps.log(`${name}: no calls for ${formatDuration(until - clock.now())} (Retry-After ${source})`);
  };

  return {
    async admit(state) {
      const now = clock.now();
      if (retryAfterUntil > now) {
        const wait = retryAfterUntil - now;
        return { detail: `${name} asked for no calls for another ${formatDuration(Math.ceil(wait))} (its Retry-After, kept by every agent)`, retryAfterMs: wait };
      }
      if (state !== 'half-open') return undefined;
      if (await deps.leases.take(trialLease, deps.trialLeaseMs)) {
        holdsTrial = true;
        return undefined;
      }
      return { detail: `circuit breaker half-open and another agent holds the trial: try again in about ${formatDuration(deps.breaker.openBaseMs)}`, retryAfterMs: deps.breaker.openBaseMs };
    },
    result(outcome, retryAfterMs) {
      if (retryAfterMs !== undefined && retryAfterMs > 0) {
        const until = clock.now() + retryAfterMs;
        holdRetryAfter(until, 'from this agent');
        publish({ kind: 'retry-after', from, provider: name, until });
        deps.redis.set(`ultra:agent:retry-after:${name}`, String(until), 'PX', Math.ceil(retryAfterMs)).catch(deps.onError);
      }
      if (deps.breaker.consecutiveFailures <= 0) return;
      if (outcome === Outcome.OK) {
        const now = clock.now();
        if (!addedToRun && now - lastReset < RESET_EVERY_MS) return;
        addedToRun = false;
        lastReset = now;
        deps.redis.del(runKey).catch(deps.onError);
        return;
      }
      if (!isProviderFailure(deps.breaker, outcome)) return;
      addedToRun = true;
      counting = deps.redis.eval(INCR, 1, runKey, deps.breaker.windowDurationMs).then((n) => {
        if (typeof n !== 'number' || n < deps.breaker.consecutiveFailures || target?.breaker().state !== 'closed') return;
        deps.log(`${name}: ${n} failures in a row across the agents: breaker opens`);
        deps.redis.del(runKey).catch(deps.onError);
        target.trip();
      }, deps.onError);
    },
    async told() {
      let timer: unknown;
      const late = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, TOLD_WAIT_MS)));
      await Promise.race([counting.then(() => published), late]);
      clock.clearTimeout(timer);
    },
    async probeTurn() {
      return (await deps.leases.take(probeLease, deps.probeLeaseMs)) ? undefined : lastProbe;
    },
    probed(result) {
      lastProbe = result;
      publish({ kind: 'probe', from, provider: name, result });
    },
    breakerChanged(before, to, snapshot) {
      // A trial that closed the breaker frees the lease; one that failed keeps it to its end
      // (shorter than the open time that follows), so no other agent tries meanwhile.
      if (before === 'half-open' && to === 'closed' && holdsTrial) {
        holdsTrial = false;
        deps.leases.release(trialLease);
      }
      if (!applying && to !== 'half-open') publish({ kind: 'breaker', from, provider: name, snapshot });
    },
    forced(mode) {
      if (applying) return;
      publish({ kind: 'force', from, provider: name, mode });
      const key = `ultra:agent:force:${name}`;
      forcedByFleet = false;
      if (!isHeldForce(mode)) return void deps.redis.del(key).catch(deps.onError);
      // the fleet's once Redis keeps it, as the message ending it may be lost; taken while Redis is away, this agent's alone
      deps.redis.set(key, mode).then(() => {
        if (target?.breaker().state === HELD_STATE[mode]) forcedByFleet = true;
      }, deps.onError);
    },
    share(limit) {
      return Math.max(1, Math.ceil(limit / Math.max(1, deps.live())));
    },
    hear(message) {
      if (message.from === from) return;
      switch (message.kind) {
        case 'breaker':
          if (target && takesRemoteChange(target.breaker(), message.snapshot, clock.now())) {
            deps.log(`${name}: breaker ${message.snapshot.state}, as agent ${message.from} found`);
            apply((t) => t.restore(message.snapshot));
          }
          return;
        case 'force':
          if (!target) return;
          deps.log(`${name}: breaker forced ${message.mode} by an operator (through agent ${message.from})`);
          forcedByFleet = isHeldForce(message.mode);
          apply((t) => t.force(message.mode));
          return;
        case 'retry-after':
          holdRetryAfter(message.until, `heard from agent ${message.from}`);
          return;
        case 'probe':
          lastProbe = message.result;
          return;
      }
    },
    reconcile(kept) {
      if (kept.retryAfterUntil !== undefined) holdRetryAfter(kept.retryAfterUntil, 'kept in Redis');
      if (!target) return;
      const state = target.breaker().state;
      if (kept.force !== undefined && state !== HELD_STATE[kept.force]) {
        deps.log(`${name}: breaker forced ${kept.force} by an operator (kept in Redis)`);
        forcedByFleet = true;
        const mode = kept.force;
        return apply((t) => t.force(mode));
      }
      if (kept.force === undefined && forcedByFleet && Object.values(HELD_STATE).includes(state)) {
        deps.log(`${name}: the operator's force has ended (Redis keeps none)`);
        forcedByFleet = false;
        return apply((t) => t.force('auto'));
      }
      if (kept.snapshot && takesRemoteChange(target.breaker(), kept.snapshot, clock.now()) && kept.snapshot.state === 'open') {
        deps.log(`${name}: breaker open, as another agent saved it`);
        const snapshot = kept.snapshot;
        apply((t) => t.restore(snapshot));
      }
    },
    attach(t) {
      target = t;
    },
  };
}
