import { Outcome } from '@ultra/contracts/chat';
import { problem } from './classify.ts';
import { classifyStreamFailure } from './classify-thrown.ts';
import { ANSWER_BODY_LIMIT, describeContent, ERROR_BODY_LIMIT, readText, send, type HttpCall, type HttpContext } from './http.ts';
import { readSse } from './sse.ts';
import type { HttpAnswer, StreamEvent } from './types.ts';
import type { StreamDecoder } from './wire-spec.ts';

/**
 * Runs one streamed call: passes each piece of text on as its event arrives, then ends
 * with exactly one `done` event. Failures are classified through
 * {@link classifyStreamFailure} (STREAM_BROKEN once text went out). When the caller stops
 * iterating early (or the read fails), the answer's connection is closed at once rather
 * than drained: no AbortController of its own is linked to `signal` for that (one less
 * per call on the miss path), the body is cancelled instead.
 */
export async function* streamAnswer(
  ctx: HttpContext,
  call: HttpCall,
  decoder: StreamDecoder,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent> {
  let res: HttpAnswer | undefined;
  let partial = '';
  let answered = false;
  let toolChars = 0;
  try {
    res = await send(ctx, call, signal);
    const type = res.headers.get('content-type') ?? '';
    if (!/text\/event-stream/i.test(type) || res.body === null) {
      // Read only enough to say what it is (a body that is not a stream may never end).
      const text = (await readText(res, ERROR_BODY_LIMIT).catch(() => ({ text: '' }))).text;
      throw problem(ctx, Outcome.MALFORMED_RESPONSE, `expected an event stream, got ${describeContent(type, text)}`);
    }
    for await (const event of readSse(ctx, res.body)) {
      const step = decoder.push(event);
      const pieces = step.toolCalls ?? [];
      partial += step.text;
      for (const piece of pieces) toolChars += piece.name.length + piece.arguments.length + 1;
      if (partial.length + toolChars > ANSWER_BODY_LIMIT) {
        throw problem(ctx, Outcome.MALFORMED_RESPONSE, `the streamed answer passed ${ANSWER_BODY_LIMIT / (1024 * 1024)} MiB, far past any model answer (a broken server or proxy?)`);
      }
      if (step.text !== '' || pieces.length > 0) yield { type: 'delta', text: step.text, ...(pieces.length > 0 ? { toolCalls: pieces } : {}) };
      if (step.end) break;
    }
    const completion = decoder.finish();
    if (completion === undefined) {
      throw problem(ctx, Outcome.MALFORMED_RESPONSE, 'the stream ended before the answer was complete');
    }
    answered = true;
    yield { type: 'done', completion };
  } catch (e) {
    throw classifyStreamFailure(ctx, e, signal, partial, toolChars > 0);
  } finally {
    // (after a whole answer the body was read or handed back to the pool)
    if (!answered) void res?.body?.cancel().catch(() => undefined);
  }
}
