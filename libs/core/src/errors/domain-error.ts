/**
 * What a domain error says went wrong. The RPC edge turns each kind into one standard
 * status code (the router's `rpc-errors.ts`); the queue reads the kind to judge a job's
 * failure. Domain code never throws `ConnectError`.
 */
export type DomainErrorKind = 'invalid-request' | 'no-candidates' | 'rate-limited' | 'unavailable' | 'given-up';

const KINDS: ReadonlySet<string> = new Set<DomainErrorKind>(['invalid-request', 'no-candidates', 'rate-limited', 'unavailable', 'given-up']);

/**
 * The brand every domain error carries. `Symbol.for`, so that two copies of this module
 * (source and dist in one process) still recognise each other's errors.
 */
const KIND: unique symbol = Symbol.for('ultra.domain-error.kind');

/** The base of Ultra's domain errors: a message that names what was wrong and with what value, and a kind. */
export abstract class DomainError extends Error {
  readonly [KIND]: DomainErrorKind;

  protected constructor(kind: DomainErrorKind, message: string) {
    super(message);
    this[KIND] = kind;
  }

  /** What went wrong, for the RPC edge and the queue. */
  get kind(): DomainErrorKind {
    return this[KIND];
  }
}

/** A domain error that says when asking again may succeed: a limit, or a refusal for now. */
export abstract class RefusedForNowError extends DomainError {
  protected constructor(
    kind: 'rate-limited' | 'unavailable',
    message: string,
    /** When asking again may succeed, ms from now; 0 when nothing is known. */
    readonly retryAfterMs: number,
  ) {
    super(kind, message);
  }
}

const isKind = (v: unknown): v is DomainErrorKind => typeof v === 'string' && KINDS.has(v);

/** The kind of a domain error; `undefined` for anything else (a `ConnectError`, a `TypeError`, ...). */
export function domainErrorKind(e: unknown): DomainErrorKind | undefined {
  if (typeof e !== 'object' || e === null || !(KIND in e)) return undefined;
  const kind = e[KIND];
  return isKind(kind) ? kind : undefined;
}

/** Whether `e` is one of Ultra's domain errors. */
export const isDomainError = (e: unknown): e is DomainError => domainErrorKind(e) !== undefined;
