import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Outcome } from '@ultra/contracts/chat';
import { freePort } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyThrown } from './classify-thrown.ts';
import { createHttpFetch } from './http-fetch.ts';
import { readText } from './http.ts';
import { testContext } from './testing/support.ts';

/** The default HTTP client against a real server on loopback. */
let server: http.Server;
let origin = '';
const sockets = new Set<number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    sockets.add(req.socket.remotePort ?? 0);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url === '/echo') {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-many', ['a', 'b']);
        res.end(JSON.stringify({ method: req.method, length: req.headers['content-length'], encoding: req.headers['accept-encoding'] ?? null, body }));
      } else if (req.url === '/redirect') {
        res.writeHead(307, { location: `${origin}/echo` }).end();
      } else if (req.url === '/drop') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"a":1}\n\n', () => req.socket.destroy());
      } else if (req.url === '/sse') {
        // the last event, and the body's end after it (the chunked terminator, a few bytes)
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"a":1}\n\n');
        res.end('data: [DONE]\n\n');
      } else if (req.url === '/hang') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"a":1}\n\n');
      } else res.writeHead(404).end('no such path');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const ctx = testContext(() => ({}));
const post = (body: string, signal = AbortSignal.timeout(5_000)) => ({ method: 'POST' as const, headers: { 'content-type': 'application/json' }, body, signal, redirect: 'manual' as const });

describe('the default HTTP client (node:http keep-alive)', () => {
  it('sends the body with its length and no accept-encoding, and reads status, headers and body', async () => {
    const res = await createHttpFetch()(`${origin}/echo`, post('{"hi":"é"}'));
    expect(res).toMatchObject({ status: 200, ok: true });
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('x-many')).toBe('a, b');
    expect(res.headers.get('x-absent')).toBeNull();
    expect(JSON.parse((await readText(res, 1024)).text)).toEqual({ method: 'POST', length: '11', encoding: null, body: '{"hi":"é"}' });
  });

  it('keeps the connection for the next call, also when the signal of a call is aborted once its answer is read', async () => {
    const fetch = createHttpFetch();
    sockets.clear();
    for (let i = 0; i < 6; i++) {
      const done = new AbortController();
      await readText(await fetch(`${origin}/echo`, post(String(i), done.signal)), 1024);
      if (i % 2 === 1) done.abort(); // as an adapter's stream ends its call
    }
    expect(sockets.size).toBe(1);
  });

  it('keeps the connection when the reader stops at the last event, a few bytes before the body ends', async () => {
    const fetch = createHttpFetch();
    sockets.clear();
    for (let i = 0; i < 4; i++) {
      const done = new AbortController();
      const res = await fetch(`${origin}/sse`, post('', done.signal));
      for await (const chunk of res.body ?? []) if (Buffer.from(chunk).includes('[DONE]')) break;
      done.abort();
      await new Promise((r) => setImmediate(r));
    }
    expect(sockets.size).toBe(1);
  });

  it('does not follow a redirect, and answers 404 as it came', async () => {
    const fetch = createHttpFetch();
    const redirect = await fetch(`${origin}/redirect`, { ...post(''), method: 'GET' });
    expect(redirect).toMatchObject({ status: 307, ok: false });
    expect(redirect.headers.get('location')).toBe(`${origin}/echo`);
    await redirect.body?.cancel();
    const missing = await fetch(`${origin}/nowhere`, post(''));
    expect(missing.status).toBe(404);
    expect((await readText(missing, 1024)).text).toBe('no such path');
  });

  it('a refused connection or a failed TLS handshake is classified CONNECTION, as a dropped body is', async () => {
    const fetch = createHttpFetch();
    const signal = AbortSignal.timeout(5_000);
    const refused = await fetch(`http://127.0.0.1:${await freePort()}/echo`, post('', signal)).catch((e: unknown) => e);
    expect(classifyThrown(ctx, refused, signal).outcome).toBe(Outcome.CONNECTION);
    const tls = await fetch(`${origin.replace('http:', 'https:')}/echo`, post('', signal)).catch((e: unknown) => e); // TLS to a plain HTTP server
    expect(classifyThrown(ctx, tls, signal).outcome).toBe(Outcome.CONNECTION);
    const dropped = await fetch(`${origin}/drop`, post('', signal));
    const read = await readText(dropped, 1024).catch((e: unknown) => e);
    expect(classifyThrown(ctx, read, signal).outcome).toBe(Outcome.CONNECTION);
  });

  it('an abort of the signal ends a body that never ends, as the caller asked (CANCELLED)', async () => {
    const abort = new AbortController();
    const res = await createHttpFetch()(`${origin}/hang`, post('', abort.signal));
    const reading = readText(res, 1024).catch((e: unknown) => e);
    abort.abort();
    expect(classifyThrown(ctx, await reading, abort.signal).outcome).toBe(Outcome.CANCELLED);
  });

  it('refuses a URL that is not http or https, naming it', async () => {
    await expect(createHttpFetch()('ftp://example.com/x', post(''))).rejects.toThrow('unsupported protocol ftp: in ftp://example.com (http: or https:)');
  });
});
