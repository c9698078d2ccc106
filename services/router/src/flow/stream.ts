import { clone, create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { AttemptSchema, ChatRequestSchema, MessageSchema, Outcome, Role, ServedFrom, ToolCallDeltaSchema, type Attempt, type ChatAnswer, type ChatRequest, type ToolCallDelta } from '@ultra/contracts/chat';
import type { StreamInvokeResponse } from '@ultra/contracts/provider-agent';
import { streamTimeoutsFor } from '@ultra/config';
import { attemptsError } from '@ultra/runtime';
import type { Candidate } from '../candidates.ts';
import { agentRetryWait, finish, lookup, prepare, remaining, store, type CallOptions, type FlowDeps, type Prepared } from './context.ts';
import { attemptsFromError, exhausted, unwell, withRetryAfter, worthFailover } from './failures.ts';
import { isStreamTimeoutError, withStreamTimeouts } from './stream-timeouts.ts';
import { admit } from './admission.ts';
import { nearCacheFor } from '../near-cache.ts';
import { retryAfterWithin } from '../routing/retry-after.ts';

/** A streamed answer: text pieces, then the whole answer. */
export type FlowEvent = { type: 'delta'; text: string; toolCalls?: ToolCallDelta[] } | { type: 'done'; answer: ChatAnswer };

/** A whole answer as stream events: its text, its tool calls (each in one piece), then done. */
function* replay(answer: ChatAnswer): Generator<FlowEvent> {
  if (answer.text !== '') yield { type: 'delta', text: answer.text };
  if (answer.toolCalls.length > 0) {
    yield { type: 'delta', text: '', toolCalls: answer.toolCalls.map((c, index) => create(ToolCallDeltaSchema, { index, id: c.id, name: c.name, arguments: c.arguments, signature: c.signature })) };
  }
  yield { type: 'done', answer };
}

/** Reads what is left of a stream whose answer is already out; what it says no longer matters. */
async function drain(it: AsyncIterator<unknown>): Promise<void> {
  try {
    while (!(await it.next()).done);
  } catch {
    // The answer has been given; a late error changes nothing.
  }
}

/** The request to send when resuming: what was already streamed becomes the start of the assistant's answer. */
function continuation(request: ChatRequest, sent: string): ChatRequest {
  const next = clone(ChatRequestSchema, request);
  next.messages.push(create(MessageSchema, { role: Role.ASSISTANT, content: sent }));
  return next;
}

/**
 * The streaming request path. Fails over only before the first token reaches the caller
 * (a first-token timeout and an idle-gap timeout per provider make that quick); after
 * that a break ends the stream with an error saying how much was sent, or, with
 * `stream_resume: continue`, resumes on the next provider and stitches the two answers.
 */
export function createStream(deps: FlowDeps, complete: (raw: ChatRequest | undefined, options: CallOptions) => Promise<ChatAnswer>) {
  const { config, clock, book, selector, budget } = deps;
  const near = nearCacheFor(deps.cache, config.cache.near ?? { ttlMs: 0, maxEntries: 1 }, clock);

  return async function* stream(raw: ChatRequest | undefined, options: CallOptions): AsyncGenerator<FlowEvent> {
    const admission = await admit(deps, prepare(deps, raw, options, true), options.signal);
    if (admission.kind === 'answered') {
      yield* replay(admission.answer);
      return;
    }
    if (!admission.policy.streaming) {
      // The mode turned live streaming off: the whole answer, in one piece.
      yield* replay(await complete(raw, options));
      return;
    }
    // From here on the request as it is sent, under its own cache key.
    const p: Prepared = admission.prepared;
    if (p.policy.lookup) {
      const kept = near?.get(p.key);
      const hit = kept ? { answer: kept, stale: false } : await lookup(deps, p, options.signal, p.policy.staleOk || admission.policy.preferCache);
      if (hit && !hit.stale && !kept) near?.set(p.key, hit.answer);
      if (hit) {
        yield* replay(finish(deps, hit.answer, hit.stale ? ServedFrom.STALE_CACHE : ServedFrom.CACHE, []));
        return;
      }
    }
    budget.onRequest();
    const selection = selector.select(p.tiers, p.request.sessionId, clock.now());
    if (selection.kind === 'none') {
      const code = selection.reason === 'rate-limited' ? Code.ResourceExhausted : Code.Unavailable;
      throw withRetryAfter(new ConnectError(`no provider is available: ${selection.detail}`, code), retryAfterWithin(selection.retryAfterMs, admission.policy.retryAfterMs));
    }
    const order = selection.order.slice(0, config.failover.maxAttempts);
    const attempts: Attempt[] = [...p.skipped];
    let sent = '';
    let sentTools = false;
    let brokenAt: Candidate | undefined;
    for (let i = 0; i < order.length; i++) {
      if (remaining(deps, p) <= 0 || options.signal.aborted) break;
      if (i > 0 && attempts.at(-1)?.outcome !== Outcome.UNAVAILABLE && !budget.tryRetry()) break;
      const c = order[i]!;
      const timeouts = streamTimeoutsFor(config, c.provider);
      const request = sent === '' ? p.request : continuation(p.request, sent);
      const abort = new AbortController();
      const onAbort = () => abort.abort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      const started = clock.now();
      const end = book.begin(c.provider);
      let sentHere = 0;
      let handedOff = false;
      try {
        const maxRetryWaitMs = agentRetryWait(deps, i + 1 < order.length);
        const source = deps.agent.streamInvoke({ provider: c.provider, model: c.model, request, maxRetryWaitMs }, { signal: abort.signal, timeoutMs: Math.max(1, remaining(deps, p)) });
        const events = withStreamTimeouts<StreamInvokeResponse>(source, {
          clock,
          abort,
          firstMs: timeouts.firstTokenTimeoutMs,
          idleMs: timeouts.idleTimeoutMs,
          isToken: (e) => e.event.case === 'delta',
        });
        const it = events[Symbol.asyncIterator]();
        for (let step = await it.next(); !step.done; step = await it.next()) {
          const res = step.value;
          if (res.event.case === 'delta') {
            const { text, toolCalls } = res.event.value;
            sentHere += text.length + toolCalls.length;
            sent += text;
            // A tool call cut off midway cannot be resumed as text: the stream then ends broken.
            if (toolCalls.length > 0) sentTools = true;
            yield { type: 'delta', text, ...(toolCalls.length > 0 ? { toolCalls } : {}) };
          } else if (res.event.case === 'done') {
            const answer = res.event.value;
            book.record(c.provider, Outcome.OK, clock.now() - started);
            attempts.push(...answer.attempts);
            selector.pin(p.request.sessionId, c.provider);
            const whole = brokenAt ? { ...answer, text: sent } : answer;
            // Stored without holding up the last event; store() logs its own failures.
            if (!brokenAt) void store(deps, p, whole);
            if (!brokenAt && p.policy.store) near?.set(p.key, whole);
            const note = brokenAt ? `the stream from ${brokenAt.provider} broke and was resumed on ${c.provider}` : '';
            // The agent's stream ends right after its done message: read that end in the
            // background, so the call's state (its deadline timer, the HTTP/2 stream) is
            // freed now and not at the call's deadline, minutes away for a stream.
            handedOff = true;
            void drain(it);
            yield { type: 'done', answer: finish(deps, whole, ServedFrom.PROVIDER, attempts, note) };
            return;
          }
        }
        throw new ConnectError(`${c.provider} ended the stream without finishing it`, Code.Unavailable);
      } catch (e) {
        const got = isStreamTimeoutError(e)
          ? [create(AttemptSchema, { provider: c.provider, model: c.model, outcome: sentHere > 0 || sent !== '' || sentTools ? Outcome.STREAM_BROKEN : Outcome.TIMEOUT, latencyMs: clock.now() - started, detail: e.message })]
          : attemptsFromError(c, e, clock.now() - started);
        attempts.push(...got);
        const last = got.at(-1)!;
        book.record(c.provider, last.outcome, last.latencyMs, last.shed ? 0 : last.retryAfterMs); // a shed call says nothing of the provider
        if (unwell(last.outcome)) book.failedOverFrom(c.provider);
        if (sent !== '' || sentTools) {
          if (config.failover.streamResume !== 'continue' || sentTools) {
            throw attemptsError(
              `the stream from ${c.provider} broke after ${sent.length} characters${sentTools ? ' and part of a tool call' : ''} had been sent; the answer is incomplete`,
              Outcome.STREAM_BROKEN,
              attempts,
            );
          }
          brokenAt ??= c;
        } else if (!worthFailover(last.outcome)) break;
      } finally {
        end();
        options.signal.removeEventListener('abort', onAbort);
        // Left before the agent's stream ended (the caller went away, a failure, a
        // timeout): cancel the call rather than leave it open until its deadline.
        if (!handedOff) abort.abort();
      }
    }
    if (options.signal.aborted) throw new ConnectError('the caller cancelled the request', Code.Canceled);
    if (sent !== '') {
      throw attemptsError(`the stream broke after ${sent.length} characters had been sent and no provider could resume it; the answer is incomplete`, Outcome.STREAM_BROKEN, attempts);
    }
    if (attempts.length === p.skipped.length) throw new ConnectError('the deadline passed before any provider was tried', Code.DeadlineExceeded);
    throw exhausted(attempts);
  };
}
