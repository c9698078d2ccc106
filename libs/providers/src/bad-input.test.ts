import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Outcome } from '@ultra/contracts/chat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from './registry.ts';
import { chat, drain, ENDPOINT_TYPES, rejection, simEndpoint } from './testing/support.ts';
import type { EndpointType } from './types.ts';

type Responder = (req: IncomingMessage, res: ServerResponse) => void;

const HTML = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';

/** One valid text event of each wire format, saying "Hi". */
const HI_EVENT: Record<EndpointType, string> = {
  openai: 'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n',
  anthropic: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
  gemini: 'data: {"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"index":0}]}\n\n',
  cohere: 'event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Hi"}}}}\n\n',
};

const send = (status: number, type: string | undefined, body: string): Responder => (_req, res) => {
  res.writeHead(status, type ? { 'content-type': type } : {});
  res.end(body);
};

/** Whether the last endless body was sent to its 64 MiB end (the client read it all) rather than cut off. */
let endlessRun = { finished: false };

/**
 * A body of `chunk` over and over, until the client goes away (or 64 MiB, so that a test
 * without the limit ends too); `endlessRun` says which.
 */
const endlessOf = (status: number, type: string, chunk: Buffer): Responder => (_req, res) => {
  res.writeHead(status, { 'content-type': type });
  let sent = 0;
  endlessRun = { finished: false };
  const more = () => {
    while (!res.destroyed && sent < 64 * 1024 * 1024) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    if (!res.destroyed) endlessRun.finished = true;
    res.end();
  };
  more();
};

/** A body that never ends, in chunks of 256 KiB. */
const endless = (status: number, type: string) => endlessOf(status, type, Buffer.alloc(256 * 1024, 'a'));

/** An event stream of `type` whose events (64 KiB of text each) never end. */
const endlessEvents = (type: EndpointType) =>
  endlessOf(200, 'text/event-stream', Buffer.from(HI_EVENT[type].replace('"Hi"', `"${'x'.repeat(64 * 1024)}"`)));

/** Whole answers that are not what the provider documents. */
const COMPLETE_CASES: ReadonlyArray<[string, Responder, Outcome]> = [
  ['truncated JSON', send(200, 'application/json', '{"id":"x","choices":[{"mess'), Outcome.MALFORMED_RESPONSE],
  ['an empty body', send(200, 'application/json', ''), Outcome.MALFORMED_RESPONSE],
  ['JSON of the wrong shape', send(200, 'application/json', '{"hello":"world"}'), Outcome.MALFORMED_RESPONSE],
  ['a wrong content type', send(200, 'text/plain', 'Hello there'), Outcome.MALFORMED_RESPONSE],
  ['an HTML page with 200', send(200, 'text/html', HTML), Outcome.MALFORMED_RESPONSE],
  ['an HTML error page with 502', send(502, 'text/html', HTML), Outcome.SERVER_ERROR],
  ['an HTML error page with 429', send(429, 'text/html', HTML), Outcome.RATE_LIMITED],
  ['a non-JSON 400', send(400, 'text/plain', 'nope'), Outcome.BAD_REQUEST],
  [
    'a body declared larger than any answer',
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(20 * 1024 * 1024) });
      res.write('{"id":"x"');
    },
    Outcome.MALFORMED_RESPONSE,
  ],
  ['a body that never ends', endless(200, 'application/json'), Outcome.MALFORMED_RESPONSE],
  ['an error body that never ends', endless(503, 'text/plain'), Outcome.SERVER_ERROR],
  ['a 3xx without location', send(304, undefined, ''), Outcome.MALFORMED_RESPONSE],
  [
    'a redirect elsewhere (not followed: it would carry the key)',
    (_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
      res.end();
    },
    Outcome.MALFORMED_RESPONSE,
  ],
];

/** Streams that are not what the provider documents. */
const streamCases = (type: EndpointType): ReadonlyArray<[string, Responder, Outcome]> => [
  ['garbage lines', send(200, 'text/event-stream', 'this is not an event stream\nat all\n\n'), Outcome.MALFORMED_RESPONSE],
  ['data that is not JSON', send(200, 'text/event-stream', 'data: {not json\n\n'), Outcome.MALFORMED_RESPONSE],
  ['a JSON body instead of a stream', send(200, 'application/json', '{"a":1}'), Outcome.MALFORMED_RESPONSE],
  ['an HTML page instead of a stream', send(200, 'text/html', HTML), Outcome.MALFORMED_RESPONSE],
  ['a JSON body that never ends instead of a stream', endless(200, 'application/json'), Outcome.MALFORMED_RESPONSE],
  ['an event stream that never ends', endlessEvents(type), Outcome.STREAM_BROKEN],
  ['a stream that ends without an answer', send(200, 'text/event-stream', ''), Outcome.MALFORMED_RESPONSE],
  ['text then garbage', send(200, 'text/event-stream', `${HI_EVENT[type]}garbage line\n\n`), Outcome.STREAM_BROKEN],
  ['text then an unfinished end', send(200, 'text/event-stream', HI_EVENT[type]), Outcome.STREAM_BROKEN],
  [
    'text then a dropped connection',
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(HI_EVENT[type], () => res.destroy());
    },
    Outcome.STREAM_BROKEN,
  ],
];

/** Bad input from a provider gives a classified ProviderError, never a crash or a hang. */
describe.each(ENDPOINT_TYPES)('%s adapter given bad input', (type) => {
  let server: Server;
  let root: string;
  let respond: Responder = send(500, undefined, '');

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => respond(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    root = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const adapter = () => createAdapter(simEndpoint(root, 'bad', type));
  const signal = () => AbortSignal.timeout(5000);

  it.each(COMPLETE_CASES)('complete() given %s', async (label, responder, outcome) => {
    respond = responder;
    const e = await rejection(adapter().complete('m', chat('hi'), { signal: signal() }));
    expect(e.outcome, e.message).toBe(outcome);
    expect(e.message).not.toMatch(/<html|<body/i);
    if (label.includes('never ends')) {
      // the adapter stopped reading and went away: it did not take in the 64 MiB
      expect(endlessRun.finished).toBe(false);
      if (outcome === Outcome.MALFORMED_RESPONSE) expect(e.message).toMatch(/the answer is over 16 MiB/);
    }
  });

  it.each(streamCases(type))('stream() given %s', async (label, responder, outcome) => {
    respond = responder;
    const out = await drain(adapter().stream('m', chat('hi'), { signal: signal() }));
    expect(out.done).toEqual([]);
    expect(out.error?.outcome, out.error?.message).toBe(outcome);
    if (label.includes('never ends')) {
      expect(endlessRun.finished).toBe(false);
      if (outcome === Outcome.STREAM_BROKEN) expect(out.error?.message).toMatch(/the streamed answer passed 16 MiB/);
    } else if (outcome === Outcome.STREAM_BROKEN) {
      expect(out.deltas).toEqual(['Hi']);
      expect(out.error?.partialText).toBe('Hi');
    }
  });

  it('probe() given a model list of the wrong shape', async () => {
    respond = send(200, 'application/json', '{"nothing":[]}');
    expect((await rejection(adapter().probe({ signal: signal() }))).outcome).toBe(Outcome.MALFORMED_RESPONSE);
  });
});
