import type { BreakerState } from '@ultra/resilience';
import { assign, fromPromise, raise, setup, type MetaObject, type NonReducibleUnknown, type EventObject, type SetupTypes } from 'xstate';

/** What one active health probe found. The probe actor never rejects. */
export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly detail: string };

export interface ProviderMachineInput {
  readonly name: string;
  /** `health_check.threshold`: this many probe results in a row against the current health flip it. */
  readonly threshold: number;
  /** `health_check.interval`: from the end of one probe to the start of the next. Milliseconds. */
  readonly intervalMs: number;
}

export interface ProviderContext {
  readonly name: string;
  readonly threshold: number;
  readonly intervalMs: number;
  /** Probe results in a row that disagree with the current health. */
  readonly streak: number;
  /** Why the provider is unhealthy (its last failed probe); empty when healthy. */
  readonly detail: string;
  /** The breaker's state, mirrored here so that one inspector view shows the provider whole. */
  readonly breaker: BreakerState;
  /** A probe was asked for while one ran: start the next one right after it. */
  readonly again: boolean;
}

export type ProviderEvent =
  | { readonly type: 'BREAKER.CHANGED'; readonly to: BreakerState }
  | { readonly type: 'PROBE.NOW' }
  | { readonly type: 'PROBE.OK' }
  | { readonly type: 'PROBE.FAILED'; readonly detail: string };

/** The machine's types, for `setup` to infer from: a typed empty object, xstate reads no value here. */
const types: SetupTypes<ProviderContext, ProviderEvent, Record<never, string>, string, ProviderMachineInput, NonReducibleUnknown, EventObject, MetaObject> = {};

/**
 * The long-lived part of one provider: its active health probe and its health, beside
 * a mirror of its breaker. Two parallel regions: `probe` (waiting ⇄ probing, every
 * `probeInterval`, and at once when the breaker turns half-open) and `health`
 * (healthy ⇄ unhealthy after `threshold` probe results in a row). The only I/O is the
 * `probe` actor, which the agent provides. Calls do not pass through this machine: they
 * are concurrent promise flows over the breaker's synchronous facade (see provider-actor.ts).
 */
export const providerMachine = setup({
  types,
  actors: {
    probe: fromPromise<ProbeResult>(async () => ({ ok: false, detail: 'no probe is configured' })),
  },
  delays: {
    probeInterval: ({ context }) => context.intervalMs,
  },
  guards: {
    thresholdReached: ({ context }) => context.streak + 1 >= context.threshold,
    toHalfOpen: ({ event }) => event.type === 'BREAKER.CHANGED' && event.to === 'half-open',
    probeAgain: ({ context }) => context.again,
  },
  actions: {
    mirrorBreaker: assign({ breaker: ({ context, event }) => (event.type === 'BREAKER.CHANGED' ? event.to : context.breaker) }),
    requestProbe: raise({ type: 'PROBE.NOW' }),
    markAgain: assign({ again: true }),
    clearAgain: assign({ again: false }),
    countStreak: assign({ streak: ({ context }) => context.streak + 1 }),
    resetStreak: assign({ streak: 0 }),
    noteFailure: assign({ detail: ({ context, event }) => (event.type === 'PROBE.FAILED' ? event.detail : context.detail) }),
    clearDetail: assign({ detail: '' }),
    reportProbe: raise((_, params: { result: ProbeResult }) =>
      params.result.ok ? { type: 'PROBE.OK' as const } : { type: 'PROBE.FAILED' as const, detail: params.result.detail },
    ),
  },
}).createMachine({
  id: 'provider',
  type: 'parallel',
  context: ({ input }) => ({
    name: input.name,
    threshold: input.threshold,
    intervalMs: input.intervalMs,
    streak: 0,
    detail: '',
    breaker: 'closed',
    again: false,
  }),
  on: {
    'BREAKER.CHANGED': [{ guard: 'toHalfOpen', actions: ['mirrorBreaker', 'requestProbe'] }, { actions: 'mirrorBreaker' }],
  },
  states: {
    probe: {
      initial: 'waiting',
      states: {
        waiting: {
          after: { probeInterval: 'probing' },
          on: { 'PROBE.NOW': 'probing' },
        },
        probing: {
          entry: 'clearAgain',
          on: { 'PROBE.NOW': { actions: 'markAgain' } },
          invoke: {
            src: 'probe',
            onDone: [
              { guard: 'probeAgain', target: 'probing', reenter: true, actions: { type: 'reportProbe', params: ({ event }) => ({ result: event.output }) } },
              { target: 'waiting', actions: { type: 'reportProbe', params: ({ event }) => ({ result: event.output }) } },
            ],
            onError: {
              target: 'waiting',
              actions: { type: 'reportProbe', params: ({ event }) => ({ result: { ok: false, detail: `probe failed: ${String(event.error)}` } }) },
            },
          },
        },
      },
    },
    health: {
      initial: 'healthy',
      states: {
        healthy: {
          on: {
            'PROBE.FAILED': [{ guard: 'thresholdReached', target: 'unhealthy', actions: ['resetStreak', 'noteFailure'] }, { actions: 'countStreak' }],
            'PROBE.OK': { actions: 'resetStreak' },
          },
        },
        unhealthy: {
          on: {
            'PROBE.OK': [{ guard: 'thresholdReached', target: 'healthy', actions: ['resetStreak', 'clearDetail'] }, { actions: 'countStreak' }],
            'PROBE.FAILED': { actions: ['resetStreak', 'noteFailure'] },
          },
        },
      },
    },
  },
});

export type ProviderMachine = typeof providerMachine;
