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
  // (the queue is walked here, not through a delegated generator: a generator object and
  // a layer of steps less per chunk)
  let item: EventSourceMessage | ParseError | undefined;
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    for (let i = 0; (item = queue[i]) !== undefined; i++) yield valid(ctx, item);
    queue.length = 0;
  }
  parser.feed(decoder.decode());
  parser.reset({ consume: true });
  for (const last of queue) yield valid(ctx, last);
}

/** The event, or MALFORMED_RESPONSE for the parser's error. */
function valid(ctx: ErrorContext, item: EventSourceMessage | ParseError): EventSourceMessage {
  if (item instanceof ParseError) throw malformed(ctx, `not a valid event stream (${item.type})`);
  return item;
}

/** Parses one event's `data` (JSON), or throws MALFORMED_RESPONSE. */
export function parseEventData(ctx: ErrorContext, event: EventSourceMessage): unknown {
  try {
    return JSON.parse(event.data);
  } catch {
    throw malformed(ctx, `an event carries invalid JSON (${event.data.length} bytes)`);
  }
}
