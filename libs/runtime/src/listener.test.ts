import http from 'node:http';
import http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { listen } from './listener.ts';

function h1Get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

function h2Get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({ ':path': path });
    req.on('error', reject);
    let status = 0;
    let body = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.end();
  });
}

describe('listen', () => {
  it('serves HTTP/2 cleartext or HTTP/1.1, as asked', async () => {
    const handler = (req: { httpVersion: string; url?: string }, res: { end(s: string): void }) => res.end(`v${req.httpVersion} ${req.url}`);
    const h2 = await listen({ host: '127.0.0.1', port: 0 }, handler as never);
    const h1 = await listen({ host: '127.0.0.1', port: 0 }, handler as never, 'http1');
    try {
      expect(await h2Get(h2.address.port, '/b')).toEqual({ status: 200, body: 'v2.0 /b' });
      expect(await h1Get(h1.address.port, '/a')).toEqual({ status: 200, body: 'v1.1 /a' });
    } finally {
      await Promise.all([h1.close(1000), h2.close(1000)]);
    }
  });

  it('finishes in-flight requests on close and refuses new connections', async () => {
    let release: (() => void) | undefined;
    const l = await listen({ host: '127.0.0.1', port: 0 }, (_req, res) => {
      release = () => res.end('done');
    });
    const pending = h2Get(l.address.port, '/slow');
    while (l.inFlight === 0) await new Promise((r) => setImmediate(r));
    const closing = l.close(10_000);
    await expect(h2Get(l.address.port, '/new')).rejects.toThrow(/ECONNREFUSED/);
    release!();
    expect(await pending).toEqual({ status: 200, body: 'done' });
    await closing;
    expect(l.inFlight).toBe(0);
  });

  it('cuts what is left once the grace is over', async () => {
    const l = await listen(
      { host: '127.0.0.1', port: 0 },
      () => {
        // never answers
      },
      'http1',
    );
    const pending = h1Get(l.address.port, '/hang');
    while (l.inFlight === 0) await new Promise((r) => setImmediate(r));
    await l.close(50);
    await expect(pending).rejects.toThrow();
  });
});
