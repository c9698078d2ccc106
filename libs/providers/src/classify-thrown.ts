import { Outcome } from '@ultra/contracts/chat';
import { problem, type ErrorContext } from './classify.ts';
import { isProviderError, ProviderError } from './provider-error.ts';
import { redact } from './redact.ts';

/** Error codes (Node, undici) that mean the connection failed or dropped. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT',
]);
/** undici's own timeouts waiting for headers or body. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const CONNECTION_TEXT = /fetch failed|socket hang up|terminated|other side closed|network error|connection (refused|reset|closed|lost)|ECONN/i;

/**
 * Classifies anything thrown while calling a provider: an abort of `signal` (TIMEOUT when
 * its reason is a TimeoutError, else CANCELLED), a network failure (CONNECTION), an
 * already classified ProviderError (kept), or anything else (MALFORMED_RESPONSE: the
 * answer could not be read).
 */
export function classifyThrown(ctx: ErrorContext, e: unknown, signal: AbortSignal): ProviderError {
  if (signal.aborted) return aborted(ctx, signal.reason, e);
  if (isProviderError(e)) return e;
  if (errorName(e) === 'TimeoutError') return aborted(ctx, e, e);
  if (errorName(e) === 'AbortError') return aborted(ctx, e, e);
  const chain = causeChain(e);
  const cause = sanitizeCause(e, ctx.secrets);
  const detail = chain.map((c) => c.code ?? c.message).filter(Boolean).at(-1) ?? 'unknown error';
  if (chain.some((c) => c.code !== undefined && TIMEOUT_CODES.has(c.code))) {
    return problem(ctx, Outcome.TIMEOUT, detail, { cause });
  }
  if (chain.some((c) => (c.code !== undefined && CONNECTION_CODES.has(c.code)) || CONNECTION_TEXT.test(c.message))) {
    return problem(ctx, Outcome.CONNECTION, chain.at(-1)?.message ?? detail, { cause });
  }
  const what = errorName(e) === 'SyntaxError' ? 'invalid JSON' : `could not read the answer (${errorName(e) ?? 'error'})`;
  return problem(ctx, Outcome.MALFORMED_RESPONSE, what, { cause });
}

/**
 * Classifies a failure of a stream. Once text has been delivered (`partialText` not
 * empty) or a piece of a tool call (`sentToolCalls`) any failure but the caller's own timeout or cancel becomes STREAM_BROKEN, with
 * the underlying classification as its `cause`; every error keeps `partialText`.
 */
export function classifyStreamFailure(ctx: ErrorContext, e: unknown, signal: AbortSignal, partialText: string, sentToolCalls = false): ProviderError {
  const base = classifyThrown(ctx, e, signal);
  if (partialText === '' && !sentToolCalls) return base;
  if (base.outcome === Outcome.TIMEOUT || base.outcome === Outcome.CANCELLED) {
    return new ProviderError(base.message, {
      outcome: base.outcome,
      provider: base.provider,
      status: base.status,
      partialText,
      cause: base.cause,
    });
  }
  const inner = base.message.startsWith(`${ctx.provider}: `) ? base.message.slice(ctx.provider.length + 2) : base.message;
  return problem(ctx, Outcome.STREAM_BROKEN, `after ${partialText.length} characters${sentToolCalls ? ' and part of a tool call' : ''}: ${inner}`, {
    status: base.status,
    retryAfterMs: base.retryAfterMs,
    providerCode: base.providerCode,
    partialText,
    cause: base,
  });
}

function aborted(ctx: ErrorContext, reason: unknown, thrown: unknown): ProviderError {
  const cause = sanitizeCause(reason ?? thrown, ctx.secrets);
  return errorName(reason) === 'TimeoutError'
    ? problem(ctx, Outcome.TIMEOUT, 'the caller’s deadline passed', { cause })
    : problem(ctx, Outcome.CANCELLED, 'the caller aborted the call', { cause });
}

/** An object or a function: a thrown value that can carry a `code` or a `cause`. */
const hasProperties = (value: unknown): value is object => (typeof value === 'object' && value !== null) || typeof value === 'function';

interface Link {
  name: string | undefined;
  code: string | undefined;
  message: string;
}

function causeChain(e: unknown): Link[] {
  const chain: Link[] = [];
  let current: unknown = e;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = hasProperties(current) && 'code' in current ? current.code : undefined;
    chain.push({
      name: errorName(current),
      code: typeof code === 'string' ? code : undefined,
      message: current instanceof Error ? current.message : typeof current === 'string' ? current : '',
    });
    current = hasProperties(current) && 'cause' in current ? current.cause : undefined;
  }
  return chain;
}

function errorName(e: unknown): string | undefined {
  const name = typeof e === 'object' && e !== null && 'name' in e ? e.name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/**
 * A copy of an error chain made only of plain Errors with their name, code and redacted
 * message, so nothing the original held (a request, headers, a URL) can leak through it.
 */
export function sanitizeCause(e: unknown, secrets: readonly string[]): Error | undefined {
  if (isProviderError(e)) return e;
  const chain = causeChain(e);
  let out: Error | undefined;
  for (const link of chain.reverse()) {
    const next: Error & { code?: string } = new Error(redact(link.message, secrets), out ? { cause: out } : undefined);
    next.name = link.name ?? 'Error';
    if (link.code !== undefined) next.code = link.code;
    out = next;
  }
  return out;
}
