import { clone, create } from '@bufbuild/protobuf';
import { ChatRequestSchema, MessageSchema, Outcome, Role, ServedFrom, ToolCallDeltaSchema, type ChatAnswer, type ChatRequest, type ToolCallDelta } from '@ultra/contracts/chat';
import type { StreamInvokeResponse } from '@ultra/contracts/provider-agent';
import { attemptsError } from '@ultra/runtime';
import type { Candidate } from '../candidates.ts';
import { finish, lookup, prepare, store, type CallOptions, type FlowDeps, type Prepared } from './context.ts';
import { exhausted, noProvider } from './failures.ts';
import { GivenUpError, UnavailableError } from '@ultra/core';
import { admit } from './admission.ts';
import { retryAfterWithin } from '../routing/retry-after.ts';
import { createFailoverEngine } from './failover-engine.ts';
import { streamAttempt, streamFailure, type StreamStart } from './attempt-stream.ts';

/** A streamed answer: text pieces, then the whole answer. */
export type FlowEvent = { type: 'delta'; text: string; toolCalls?: ToolCallDelta[] } | { type: 'done'; answer: ChatAnswer };

/** A whole answer, split into stream events: its text, its tool calls (each in one piece), then done. */
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

/** The stream's next event, or undefined at its end. */
async function following(it: AsyncIterator<StreamInvokeResponse>): Promise<StreamInvokeResponse | undefined> {
  const step = await it.next();
  return step.done ? undefined : step.value;
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
  const { config } = deps;
  const engine = createFailoverEngine(deps);
  const { near } = deps;

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
    const selection = engine.select(p);
    if (selection.kind === 'none') {
      throw noProvider(selection, retryAfterWithin(selection.retryAfterMs, admission.policy.retryAfterMs));
    }
    const run = engine.begin<StreamStart>(p, admission.policy, selection.order, options.signal);
    const { attempts } = run;
    let sent = '';
    let sentTools = false;
    let brokenAt: Candidate | undefined;
    for (;;) {
      const request = sent === '' ? p.request : continuation(p.request, sent);
      const step = await run.next(streamAttempt(deps, p, request, sent !== '' || sentTools));
      if (step.kind === 'over') break;
      const s = step.started;
      const c = s.candidate;
      let sentHere = 0;
      let handedOff = false;
      try {
        const { it } = s.value;
        for (let res: StreamInvokeResponse | undefined = s.value.first; res !== undefined; res = await following(it)) {
          if (res.event.case === 'delta') {
            const { text, toolCalls } = res.event.value;
            sentHere += text.length + toolCalls.length;
            sent += text;
            // A tool call cut off midway cannot be resumed as text: the stream then ends broken.
            if (toolCalls.length > 0) sentTools = true;
            yield { type: 'delta', text, ...(toolCalls.length > 0 ? { toolCalls } : {}) };
          } else if (res.event.case === 'done') {
            const answer = res.event.value;
            run.succeeded(s, answer.attempts);
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
        throw new UnavailableError(`${c.provider} ended the stream without finishing it`, 0);
      } catch (e) {
        const again = run.failed(s, streamFailure(deps, c, e, s.startedAt, sentHere > 0 || sent !== '' || sentTools));
        if (sent !== '' || sentTools) {
          if (config.failover.streamResume !== 'continue' || sentTools) {
            throw attemptsError(
              `the stream from ${c.provider} broke after ${sent.length} characters${sentTools ? ' and part of a tool call' : ''} had been sent; the answer is incomplete`,
              Outcome.STREAM_BROKEN,
              attempts,
            );
          }
          brokenAt ??= c;
        } else if (!again) break;
      } finally {
        s.end();
        // Left before the agent's stream ended (the caller went away, a failure, a
        // timeout): cancel the call rather than leave it open until its deadline.
        if (!handedOff) s.abort.abort();
      }
    }
    if (options.signal.aborted) throw new GivenUpError('cancelled', 'the caller cancelled the request');
    if (sent !== '') {
      throw attemptsError(`the stream broke after ${sent.length} characters had been sent and no provider could resume it; the answer is incomplete`, Outcome.STREAM_BROKEN, attempts);
    }
    if (attempts.length === p.skipped.length) throw new GivenUpError('deadline', 'the deadline passed before any provider was tried');
    throw exhausted(attempts);
  };
}
