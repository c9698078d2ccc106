import { Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { classifyHttpError, outcomeForStatus } from './classify.ts';
import { classifyStreamFailure, classifyThrown } from './classify-thrown.ts';
import { isProviderError, ProviderError } from './provider-error.ts';
import { redact } from './redact.ts';
import { testContext } from './testing/support.ts';

const ctx = { ...testContext(() => ({})), secrets: ['s3cret-value-xyz'] };
const live = new AbortController().signal;

describe('outcomeForStatus', () => {
  it.each([
    [429, '', Outcome.RATE_LIMITED],
    [529, '', Outcome.OVERLOADED],
    [503, 'Service overloaded', Outcome.OVERLOADED],
    [503, 'unavailable', Outcome.SERVER_ERROR],
    [500, '', Outcome.SERVER_ERROR],
    [408, '', Outcome.TIMEOUT],
    [504, '', Outcome.TIMEOUT],
    [413, '', Outcome.CONTEXT_TOO_LONG],
    [401, '', Outcome.AUTH_FAILED],
    [403, '', Outcome.AUTH_FAILED],
    [400, 'maximum context length exceeded', Outcome.CONTEXT_TOO_LONG],
    [400, 'content_filter', Outcome.CONTENT_REFUSED],
    [400, 'bad', Outcome.BAD_REQUEST],
    [404, '', Outcome.BAD_REQUEST],
    [422, '', Outcome.BAD_REQUEST],
  ] as const)('%i %s', (status, text, outcome) => {
    expect(outcomeForStatus(status, text)).toBe(outcome);
  });
});

describe('classifyHttpError', () => {
  it('keeps status, wait and a short message without secrets', () => {
    const e = classifyHttpError(ctx, 429, new Headers({ 'retry-after': '3' }), 'slow down, s3cret-value-xyz');
    expect(e).toMatchObject({ outcome: Outcome.RATE_LIMITED, status: 429, retryAfterMs: 3000, provider: 'test' });
    expect(e.message).toBe('test: rate limited (HTTP 429): slow down, [redacted] (retry after 3000ms)');
  });

  it('never quotes an HTML page', () => {
    expect(classifyHttpError(ctx, 502, new Headers(), '<html><body>Bad gateway</body></html>').message).toBe('test: server error (HTTP 502)');
  });
});

describe('classifyThrown', () => {
  it('maps an abort by timeout to TIMEOUT and any other abort to CANCELLED', () => {
    expect(classifyThrown(ctx, new Error('x'), AbortSignal.abort(new DOMException('t', 'TimeoutError'))).outcome).toBe(Outcome.TIMEOUT);
    expect(classifyThrown(ctx, new Error('x'), AbortSignal.abort()).outcome).toBe(Outcome.CANCELLED);
    expect(classifyThrown(ctx, new Error('x'), AbortSignal.abort('shutting down')).outcome).toBe(Outcome.CANCELLED);
  });

  it('maps network failures by code or message to CONNECTION, undici timeouts to TIMEOUT', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(classifyThrown(ctx, refused, live).outcome).toBe(Outcome.CONNECTION);
    expect(classifyThrown(ctx, new Error('socket hang up'), live).outcome).toBe(Outcome.CONNECTION);
    const reset = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(classifyThrown(ctx, reset, live).outcome).toBe(Outcome.CONNECTION);
    const headers = new TypeError('fetch failed', { cause: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }) });
    expect(classifyThrown(ctx, headers, live).outcome).toBe(Outcome.TIMEOUT);
  });

  it('keeps a ProviderError, and reads anything else as MALFORMED_RESPONSE', () => {
    const known = new ProviderError('x', { outcome: Outcome.OVERLOADED, provider: 'p' });
    expect(classifyThrown(ctx, known, live)).toBe(known);
    expect(classifyThrown(ctx, new SyntaxError('Unexpected end of JSON input'), live).outcome).toBe(Outcome.MALFORMED_RESPONSE);
  });

  it('copies the cause chain as plain errors with secrets cut out', () => {
    const e = classifyThrown(ctx, new TypeError('fetch failed', { cause: new Error('ECONNRESET at s3cret-value-xyz') }), live);
    const cause = e.cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect((cause.cause as Error).message).toBe('ECONNRESET at [redacted]');
  });
});

describe('classifyStreamFailure', () => {
  it('is STREAM_BROKEN with the partial text once text went out, the inner outcome as cause', () => {
    const e = classifyStreamFailure(ctx, new Error('socket hang up'), live, 'Hello');
    expect(e).toMatchObject({ outcome: Outcome.STREAM_BROKEN, partialText: 'Hello' });
    expect(isProviderError(e.cause) && e.cause.outcome).toBe(Outcome.CONNECTION);
  });

  it('keeps the caller’s timeout as TIMEOUT, with the partial text', () => {
    const e = classifyStreamFailure(ctx, new Error('x'), AbortSignal.abort(new DOMException('t', 'TimeoutError')), 'He');
    expect(e).toMatchObject({ outcome: Outcome.TIMEOUT, partialText: 'He' });
  });
});

describe('ProviderError', () => {
  it('serializes without the partial text and is recognised by its guard', () => {
    const e = new ProviderError('p: stream broken', { outcome: Outcome.STREAM_BROKEN, provider: 'p', partialText: 'secret prompt echo' });
    expect(JSON.parse(JSON.stringify(e))).toEqual({ name: 'ProviderError', message: 'p: stream broken', outcome: 'STREAM_BROKEN', provider: 'p', partialChars: 18 });
    expect(isProviderError(e)).toBe(true);
    expect(isProviderError(new Error('x'))).toBe(false);
    expect(isProviderError({ outcome: 1 })).toBe(false);
  });
});

describe('redact', () => {
  it('cuts secrets and key-shaped text, masked or not', () => {
    expect(redact('key s3cret-value-xyz here', ['s3cret-value-xyz'])).toBe('key [redacted] here');
    expect(redact('Incorrect API key provided: sk-ab*************wxyz.', [])).toBe('Incorrect API key provided: [redacted].');
    expect(redact('AIzaSyA1234567890abcdefghij and Bearer abc.def', [])).toBe('[redacted] and [redacted]');
    expect(redact('GET /v1beta/models?key=abc123&x=1', [])).toBe('GET /v1beta/models?key=[redacted]&x=1');
  });
});
