import { DomainError, domainErrorKind } from './domain-error.ts';

/**
 * The request ended before any provider was asked, because of its caller: `cancelled`
 * (the caller went away or aborted) or `deadline` (its deadline passed first). At the RPC
 * edge: CANCELED or DEADLINE_EXCEEDED. Not a failure of Ultra or of a provider.
 */
export class GivenUpError extends DomainError {
  override readonly name: string = 'GivenUpError';

  constructor(
    readonly why: 'cancelled' | 'deadline',
    message: string,
  ) {
    super('given-up', message);
  }
}

export const isGivenUp = (e: unknown): e is GivenUpError => domainErrorKind(e) === 'given-up';
