import { assign, emit, raise, setup, type MetaObject, type NonReducibleUnknown, type SetupTypes } from 'xstate';
import { openDurationMs, windowConfigOf, type BreakerOptions } from './breaker-options.ts';
import { isProviderFailure, isSlow, openUntilFor, recordResult, recordSlowWait, tripCause } from './breaker-rules.ts';
import type { BreakerSnapshot } from './breaker-snapshot.ts';
import type { BreakerContext, BreakerEmitted, BreakerEvent, BreakerPermit, ForceMode } from './breaker-types.ts';
import { emptyWindow } from './sliding-window.ts';

/** What the breaker machine starts from: options already merged and checked (`resolveBreakerOptions`). */
export interface BreakerInput {
  readonly options: BreakerOptions;
}

type Ctx = BreakerContext;
type Ev = BreakerEvent;

const fresh = (c: Ctx) => ({ window: emptyWindow(windowConfigOf(c.options)), consecutiveFailures: 0 });
const current = (c: Ctx, e: Ev) => (e.type === 'SUCCESS' || e.type === 'FAILURE' || e.type === 'SLOW_WAIT') && e.permit.epoch === c.epoch;
const slowSuccess = (c: Ctx, e: Ev) => e.type === 'SUCCESS' && isSlow(c.options, e.metrics);
const providerFailure = (c: Ctx, e: Ev) => e.type === 'FAILURE' && isProviderFailure(c.options, e.outcome);
const slowWait = (e: Ev) => e.type === 'SLOW_WAIT';
const recorded = (c: Ctx, e: Ev) => (slowWait(e) ? recordSlowWait(c, e.at) : recordResult(c, e.at, providerFailure(c, e), slowSuccess(c, e)));
/** A call already recorded while it waited counts no more when it ends. */
const alreadyCounted = (e: Ev) => (e.type === 'SUCCESS' || e.type === 'FAILURE') && e.counted === true;
const counts = (c: Ctx, e: Ev) => !alreadyCounted(e) && (e.type === 'SUCCESS' || slowWait(e) || providerFailure(c, e));
/** The permit an admitted call gets: of the breaker's current period, issued at `at`. */
export const permitFor = (c: Pick<Ctx, 'epoch'>, at: number, probe: boolean): BreakerPermit => Object.freeze({ epoch: c.epoch, probe, issuedAt: at });
const isProbe = (c: Ctx, e: Ev) => current(c, e) && 'permit' in e && e.permit.probe;

/** The machine's types, for `setup` to infer from: a typed empty object, xstate reads no value here. */
const types: SetupTypes<BreakerContext, BreakerEvent, Record<never, string>, string, BreakerInput, NonReducibleUnknown, BreakerEmitted, MetaObject> = {};

/**
 * The circuit breaker. Time enters only through events (each carries `at`, epoch ms)
 * and the `openDuration` delay, which runs on the clock given to `createActor`; answers
 * to `ACQUIRE` leave as emitted `admitted` / `rejected` events. See `circuit-breaker.ts`
 * for the synchronous facade and `docs/circuit-breaker-tuning.md` for the knobs.
 */
export const breakerMachine = setup({
  types,
  guards: {
    currentPermit: ({ context, event }) => current(context, event),
    trips: ({ context, event }) =>
      current(context, event) && counts(context, event) && tripCause(context.options, recorded(context, event), event.at) !== undefined,
    openElapsed: ({ context, event }) => context.openUntil !== undefined && event.at >= context.openUntil,
    retryAfterExtendsOpen: ({ context, event }) =>
      event.type === 'FAILURE' && event.retryAfterMs !== undefined && event.at + event.retryAfterMs > (context.openUntil ?? 0),
    // The open time is the breaker's own, not stretched by a provider's Retry-After.
    noRetryAfterHolds: ({ context: c }) =>
      c.openedAt === undefined || c.openUntil === undefined || c.openUntil <= c.openedAt + openDurationMs(c.options, c.consecutiveTrips),
    probeSlotFree: ({ context }) => context.probesInFlight + context.probeSuccesses < context.options.halfOpenProbes,
    probeFailed: ({ context, event }) =>
      isProbe(context, event) && !alreadyCounted(event) && (providerFailure(context, event) || slowSuccess(context, event) || slowWait(event)),
    probesSucceeded: ({ context, event }) =>
      isProbe(context, event) && event.type === 'SUCCESS' && context.probeSuccesses + 1 >= context.options.halfOpenSuccesses,
    probe: ({ context, event }) => isProbe(context, event),
    forced: ({ event }, params: { mode: ForceMode }) => event.type === 'FORCE' && event.mode === params.mode,
    restores: ({ event }, params: { state: BreakerSnapshot['state'] }) => {
      if (event.type !== 'RESTORE') return false;
      const s = event.snapshot;
      const stillOpen = s.state === 'open' && s.openUntil !== undefined && s.openUntil > event.at;
      const state = s.state === 'open' && !stillOpen ? 'half-open' : s.state;
      return state === params.state;
    },
  },
  actions: {
    admit: emit(({ context, event }) => ({ type: 'admitted' as const, permit: permitFor(context, event.at, false) })),
    admitProbe: emit(({ context, event }) => ({ type: 'admitted' as const, permit: permitFor(context, event.at, true) })),
    takeProbeSlot: assign(({ context }) => ({ probesInFlight: context.probesInFlight + 1 })),
    rejectOpen: emit(({ context, event }) => ({
      type: 'rejected' as const,
      reason: 'open' as const,
      retryAfterMs: Math.max(0, (context.openUntil ?? event.at) - event.at),
    })),
    // Probes are out; when they end is unknown. The shortest open time is a polite hint.
    rejectHalfOpen: emit(({ context }) => ({
      type: 'rejected' as const,
      reason: 'half-open' as const,
      retryAfterMs: context.options.openBaseMs,
    })),
    // An operator holds it open with no end; the longest open time is the hint.
    rejectForced: emit(({ context }) => ({
      type: 'rejected' as const,
      reason: 'forced-open' as const,
      retryAfterMs: context.options.openMaxMs,
    })),
    record: assign(({ context, event }) =>
      counts(context, event) ? recorded(context, event) : alreadyCounted(event) && event.type === 'SUCCESS' ? { consecutiveFailures: 0 } : {},
    ),
    trip: assign(({ context, event }) => {
      const trip = context.consecutiveTrips + 1;
      const retryAfterMs = event.type === 'FAILURE' ? event.retryAfterMs : undefined;
      return {
        ...fresh(context),
        consecutiveTrips: trip,
        openedAt: event.at,
        openUntil: openUntilFor(context.options, trip, event.at, retryAfterMs),
      };
    }),
    extendOpen: assign(({ context, event }) => ({
      openUntil: event.type === 'FAILURE' ? event.at + (event.retryAfterMs ?? 0) : context.openUntil,
    })),
    close: assign({ consecutiveTrips: 0, openedAt: undefined, openUntil: undefined }),
    newEpoch: assign(({ context }) => ({ epoch: context.epoch + 1, probesInFlight: 0, probeSuccesses: 0 })),
    countProbeSuccess: assign(({ context }) => ({
      probesInFlight: Math.max(0, context.probesInFlight - 1),
      probeSuccesses: context.probeSuccesses + 1,
    })),
    returnProbeSlot: assign(({ context }) => ({ probesInFlight: Math.max(0, context.probesInFlight - 1) })),
    resetAll: assign(({ context }) => ({ ...fresh(context), consecutiveTrips: 0, openedAt: undefined, openUntil: undefined })),
    clearOpen: assign({ consecutiveTrips: 0, openedAt: undefined, openUntil: undefined }),
    restore: assign(({ context, event }) => {
      if (event.type !== 'RESTORE') return {};
      const s = event.snapshot;
      return { ...fresh(context), consecutiveTrips: s.consecutiveTrips, openedAt: s.openedAt, openUntil: s.openUntil };
    }),
    reraise: raise(({ event }) => event),
  },
  delays: {
    /** Until `openUntil`; re-armed whenever `open` is (re-)entered. */
    openDuration: ({ context, event }) => Math.max(0, (context.openUntil ?? event.at) - event.at),
  },
}).createMachine({
  id: 'breaker',
  context: ({ input }) => ({
    options: input.options,
    window: emptyWindow(windowConfigOf(input.options)),
    consecutiveFailures: 0,
    consecutiveTrips: 0,
    openedAt: undefined,
    openUntil: undefined,
    epoch: 0,
    probesInFlight: 0,
    probeSuccesses: 0,
  }),
  initial: 'closed',
  on: {
    FORCE: [
      { guard: { type: 'forced', params: { mode: 'open' } }, target: '.forced-open', actions: 'resetAll' },
      { guard: { type: 'forced', params: { mode: 'closed' } }, target: '.closed', actions: 'resetAll' },
      { guard: { type: 'forced', params: { mode: 'disabled' } }, target: '.disabled', actions: 'resetAll' },
      // Metrics-only keeps the window, so switching back to auto judges what it saw.
      { guard: { type: 'forced', params: { mode: 'metrics-only' } }, target: '.metrics-only', actions: 'clearOpen' },
    ],
    RESTORE: [
      { guard: { type: 'restores', params: { state: 'open' } }, target: '.open', actions: 'restore' },
      { guard: { type: 'restores', params: { state: 'half-open' } }, target: '.half-open', actions: 'restore' },
      { guard: { type: 'restores', params: { state: 'forced-open' } }, target: '.forced-open', actions: 'resetAll' },
      { guard: { type: 'restores', params: { state: 'disabled' } }, target: '.disabled', actions: 'resetAll' },
      { guard: { type: 'restores', params: { state: 'metrics-only' } }, target: '.metrics-only', actions: 'resetAll' },
      { target: '.closed', actions: 'restore' },
    ],
  },
  states: {
    closed: {
      entry: 'newEpoch',
      on: {
        ACQUIRE: { actions: 'admit' },
        SUCCESS: [{ guard: 'trips', target: 'open', actions: 'trip' }, { guard: 'currentPermit', actions: 'record' }],
        FAILURE: [{ guard: 'trips', target: 'open', actions: 'trip' }, { guard: 'currentPermit', actions: 'record' }],
        SLOW_WAIT: [{ guard: 'trips', target: 'open', actions: 'trip' }, { guard: 'currentPermit', actions: 'record' }],
      },
    },
    open: {
      after: { openDuration: { target: 'half-open' } },
      on: {
        // Backstop for a timer that fires late: once openUntil has passed, this call is a probe.
        ACQUIRE: [{ guard: 'openElapsed', target: 'half-open', actions: 'reraise' }, { actions: 'rejectOpen' }],
        FAILURE: { guard: 'retryAfterExtendsOpen', target: 'open', reenter: true, actions: 'extendOpen' },
        // The health probes say the provider is back: probe it now rather than wait out an
        // open time that grew over a long outage. Not while a provider's Retry-After holds.
        RECOVERED: { guard: 'noRetryAfterHolds', target: 'half-open' },
      },
    },
    'half-open': {
      entry: 'newEpoch',
      on: {
        ACQUIRE: [{ guard: 'probeSlotFree', actions: ['takeProbeSlot', 'admitProbe'] }, { actions: 'rejectHalfOpen' }],
        SUCCESS: [
          { guard: 'probeFailed', target: 'open', actions: 'trip' },
          { guard: 'probesSucceeded', target: 'closed', actions: 'close' },
          { guard: 'probe', actions: 'countProbeSuccess' },
        ],
        FAILURE: [{ guard: 'probeFailed', target: 'open', actions: 'trip' }, { guard: 'probe', actions: 'returnProbeSlot' }],
        SLOW_WAIT: { guard: 'probeFailed', target: 'open', actions: 'trip' },
      },
    },
    'forced-open': {
      on: {
        ACQUIRE: { actions: 'rejectForced' },
        FORCE: { guard: { type: 'forced', params: { mode: 'auto' } }, target: 'closed' },
      },
    },
    disabled: {
      on: {
        ACQUIRE: { actions: 'admit' },
        FORCE: { guard: { type: 'forced', params: { mode: 'auto' } }, target: 'closed' },
      },
    },
    'metrics-only': {
      entry: 'newEpoch',
      on: {
        ACQUIRE: { actions: 'admit' },
        SUCCESS: { guard: 'currentPermit', actions: 'record' },
        FAILURE: { guard: 'currentPermit', actions: 'record' },
        SLOW_WAIT: { guard: 'currentPermit', actions: 'record' },
        FORCE: { guard: { type: 'forced', params: { mode: 'auto' } }, target: 'closed' },
      },
    },
  },
});

/** The breaker machine's type, for `.provide()` and actors. */
export type BreakerMachine = typeof breakerMachine;
