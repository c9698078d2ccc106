import { DomainError, domainErrorKind } from './domain-error.ts';

/**
 * No configured provider can take the request at all (none offers what it needs, e.g.
 * tools or images, for its model): the caller must change the request, not wait. At the
 * RPC edge: INVALID_ARGUMENT.
 */
export class NoCandidatesError extends DomainError {
  override readonly name: string = 'NoCandidatesError';

  constructor(
    /** The model the caller asked for (an alias or a provider's model). */
    readonly model: string,
    message: string,
  ) {
    super('no-candidates', message);
  }
}

export const isNoCandidates = (e: unknown): e is NoCandidatesError => domainErrorKind(e) === 'no-candidates';
