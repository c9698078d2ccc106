import { describe, expect, it } from 'vitest';
import { domainErrorKind, isDomainError } from './domain-error.ts';
import { InvalidRequestError, isInvalidRequest } from './invalid-request.ts';
import { isRateLimited, RateLimitedError } from './rate-limited.ts';
import { isUnavailable } from './unavailable.ts';

describe('domain errors', () => {
  it('say their kind, and each guard knows only its own', () => {
    const bad = new InvalidRequestError('messages[2].role', 'must be system, user, assistant or tool');
    expect(bad).toMatchObject({ kind: 'invalid-request', path: 'messages[2].role', message: 'messages[2].role: must be system, user, assistant or tool', name: 'InvalidRequestError' });
    expect([isInvalidRequest(bad), isRateLimited(bad), isUnavailable(bad), isDomainError(bad)]).toEqual([true, false, false, true]);
    expect(isRateLimited(new RateLimitedError('over the limit', 500))).toBe(true);
  });

  it('are told apart from errors that merely have a kind, by a brand another copy of this module shares', () => {
    expect(domainErrorKind(Object.assign(new Error('job j1 not found'), { kind: 'not-found' }))).toBeUndefined();
    expect(domainErrorKind(new TypeError('oops'))).toBeUndefined();
    expect(domainErrorKind(undefined)).toBeUndefined();
    // what an InvalidRequestError from a second copy of the module (source and dist in one process) looks like
    const fromAnotherCopy = Object.assign(new Error('model: unknown model "x"'), { [Symbol.for('ultra.domain-error.kind')]: 'invalid-request' });
    expect(isInvalidRequest(fromAnotherCopy)).toBe(true);
    expect(domainErrorKind(Object.assign(new Error('x'), { [Symbol.for('ultra.domain-error.kind')]: 'no-such-kind' }))).toBeUndefined();
  });
});
