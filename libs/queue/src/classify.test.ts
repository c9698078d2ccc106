import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { AttemptSchema, Outcome } from '@ultra/contracts/chat';
import { GivenUpError, InvalidRequestError, NoCandidatesError, RateLimitedError, UnavailableError } from '@ultra/core';
import { attemptsError } from '@ultra/runtime';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from './classify.ts';

const DEFAULT_NOT_RETRIED = new Set(['bad_request', 'auth_failed', 'context_too_long', 'content_refused']);
const retried = (o: string) => !DEFAULT_NOT_RETRIED.has(o);
const attempt = (provider: string, outcome: Outcome, retryAfterMs = 0) => create(AttemptSchema, { provider, outcome, retryAfterMs });

describe('classifyFailure', () => {
  it("keeps the caller's own mistake", () => {
    const err = attemptsError('bad', Outcome.CONTEXT_TOO_LONG, [attempt('openai', Outcome.CONTEXT_TOO_LONG)]);
    expect(classifyFailure(err, retried).outcome).toBe(Outcome.CONTEXT_TOO_LONG);
    expect(classifyFailure(new ConnectError('messages: at least one message is required', Code.InvalidArgument), retried).outcome).toBe(Outcome.BAD_REQUEST);
  });

  it('takes the first retried provider outcome, so one bad key does not dead-letter a job another provider could answer', () => {
    const err = attemptsError('none could', Outcome.UNAVAILABLE, [attempt('openai', Outcome.AUTH_FAILED), attempt('google', Outcome.SERVER_ERROR)]);
    const f = classifyFailure(err, retried);
    expect(f.outcome).toBe(Outcome.SERVER_ERROR);
    expect(f.providerAttempts.map((a) => a.provider)).toEqual(['openai', 'google']);
    const allAuth = attemptsError('none could', Outcome.UNAVAILABLE, [attempt('openai', Outcome.AUTH_FAILED)]);
    expect(classifyFailure(allAuth, retried).outcome).toBe(Outcome.AUTH_FAILED);
  });

  it('reads Retry-After from the metadata, else from the attempts', () => {
    const err = attemptsError('limited', Outcome.RATE_LIMITED, [attempt('openai', Outcome.RATE_LIMITED, 900), attempt('google', Outcome.RATE_LIMITED, 400)]);
    expect(classifyFailure(err, retried)).toMatchObject({ outcome: Outcome.RATE_LIMITED, retryAfterMs: 400 });
    err.metadata.set('retry-after-ms', '1500');
    expect(classifyFailure(err, retried).retryAfterMs).toBe(1500);
  });

  it('falls back on the status code when no provider was tried', () => {
    expect(classifyFailure(new ConnectError('late', Code.DeadlineExceeded), retried).outcome).toBe(Outcome.TIMEOUT);
    expect(classifyFailure(new ConnectError('none', Code.Unavailable), retried).outcome).toBe(Outcome.UNAVAILABLE);
    expect(classifyFailure(new TypeError('oops'), retried)).toMatchObject({ outcome: Outcome.SERVER_ERROR, detail: 'oops' });
  });

  it('reads domain errors by their guards, not by a status code', () => {
    expect(classifyFailure(new InvalidRequestError('sampling.temperature', 'must be between 0 and 2, got 3'), retried)).toEqual({
      outcome: Outcome.BAD_REQUEST,
      detail: 'sampling.temperature: must be between 0 and 2, got 3',
      retryAfterMs: 0,
      providerAttempts: [],
      heldBack: false,
    });
    expect(classifyFailure(new NoCandidatesError('llama3', 'model "llama3": no provider can honour tools'), retried)).toMatchObject({ outcome: Outcome.BAD_REQUEST, heldBack: false });
    expect(classifyFailure(new UnavailableError('Ultra is in outage mode', 4_000), retried)).toMatchObject({ outcome: Outcome.UNAVAILABLE, retryAfterMs: 4_000, heldBack: true });
    expect(classifyFailure(new RateLimitedError('over the limit', 1_500), retried)).toMatchObject({ outcome: Outcome.RATE_LIMITED, retryAfterMs: 1_500, heldBack: true });
    expect(classifyFailure(new GivenUpError('deadline', 'the deadline passed before any provider was tried'), retried)).toMatchObject({ outcome: Outcome.TIMEOUT, heldBack: false, providerAttempts: [] });
    expect(classifyFailure(new GivenUpError('cancelled', 'the caller cancelled the request'), retried)).toMatchObject({ outcome: Outcome.CANCELLED, heldBack: false });
  });

  it('takes no provider outcome from a bare status code: AUTH_FAILED and CONTENT_REFUSED travel as attempts', () => {
    expect(classifyFailure(new ConnectError('refused', Code.FailedPrecondition), retried).outcome).toBe(Outcome.SERVER_ERROR);
    const refused = attemptsError('refused', Outcome.CONTENT_REFUSED, [attempt('openai', Outcome.CONTENT_REFUSED)]);
    expect(classifyFailure(refused, retried).outcome).toBe(Outcome.CONTENT_REFUSED);
  });
});
