import { createParser, ParseError, type EventSourceMessage } from 'eventsource-parser';
import { malformed, type ErrorContext } from './classify.ts';

/**
 * Reads a server-sent-events body message by message, as the bytes arrive. A line the
 * SSE grammar does not allow (garbage, an unknown field) ends the read with
 * MALFORMED_RESPONSE at the point where it appears: the events before it are still
 * passed on. Leaving the loop early cancels the body, which frees the connection.
 */
export async function* readSse(ctx: ErrorContext, body: AsyncIterable<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const queue: Array<EventSourceMessage | ParseError> = [];
  const parser = createParser({
    onEvent: (event) => queue.push(event),
    onError: (error) => queue.push(error),
    maxBufferSize: 4 * 1024 * 1024,
  });
  const decoder = new TextDecoder();
  function* drain(): Generator<EventSourceMessage> {
    while (queue.length > 0) {
      const item = queue.shift()!;
      if (item instanceof ParseError) throw malformed(ctx, `not a valid event stream (${item.type})`);
      yield item;
    }
  }
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    yield* drain();
  }
  parser.feed(decoder.decode());
  parser.reset({ consume: true });
  yield* drain();
}

/** Parses one event's `data` (JSON), or throws MALFORMED_RESPONSE. */
export function parseEventData(ctx: ErrorContext, event: EventSourceMessage): unknown {
  try {
    return JSON.parse(event.data);
  } catch {
    throw malformed(ctx, `an event carries invalid JSON (${event.data.length} bytes)`);
  }
}
