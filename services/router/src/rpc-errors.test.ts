import { Code, ConnectError } from '@connectrpc/connect';
import { GivenUpError, InvalidRequestError, NoCandidatesError, RateLimitedError, UnavailableError } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { toRpcError } from './rpc-errors.ts';

describe('toRpcError', () => {
  it('gives each domain error its status code and keeps its message', () => {
    expect(toRpcError(new InvalidRequestError('sampling.top_p', 'must be between 0 and 1, got 3'))).toMatchObject({ code: Code.InvalidArgument, rawMessage: 'sampling.top_p: must be between 0 and 1, got 3' });
    expect(toRpcError(new NoCandidatesError('llama3', 'model "llama3": no provider can honour this request\'s tools'))).toMatchObject({ code: Code.InvalidArgument });
  });

  it('puts a Retry-After in the metadata, in seconds (at least 1) and in ms', () => {
    const limited = toRpcError(new RateLimitedError("over this key's requests_per_minute limit of 3", 1_200));
    expect(limited.code).toBe(Code.ResourceExhausted);
    expect([limited.metadata.get('retry-after'), limited.metadata.get('retry-after-ms')]).toEqual(['2', '1200']);
    const refused = toRpcError(new UnavailableError('Ultra is in outage mode', 0));
    expect(refused.code).toBe(Code.Unavailable);
    expect(refused.metadata.get('retry-after')).toBeNull();
  });

  it('a request given up before any provider was asked: CANCELED for the caller going away, DEADLINE_EXCEEDED for its deadline', () => {
    expect(toRpcError(new GivenUpError('cancelled', 'the caller cancelled the request'))).toMatchObject({ code: Code.Canceled, rawMessage: 'the caller cancelled the request' });
    expect(toRpcError(new GivenUpError('deadline', 'the deadline passed before any provider was tried'))).toMatchObject({ code: Code.DeadlineExceeded });
  });

  it('passes RPC errors as they are, and makes UNKNOWN of anything else', () => {
    const rpc = new ConnectError('no provider could answer', Code.Unavailable);
    expect(toRpcError(rpc)).toBe(rpc);
    expect(toRpcError(new TypeError('oops'))).toMatchObject({ code: Code.Unknown, rawMessage: 'oops' });
  });
});
