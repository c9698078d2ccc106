import { createServer, type Server } from 'node:http';
import { freePort } from '@ultra/testkit';

/** Spans received, by kind (OTLP's numbers: 1 internal, 2 server, 3 client), Ultra's own apart from the instrumentations' (ioredis, http). */
export interface SpanCounts {
  ultra: Record<number, number>;
  instrumentations: number;
}

/** An OTLP/HTTP JSON receiver that accepts every export and counts the spans in it. */
export async function startSink(): Promise<{ url: string; bytes: () => number; exports: () => number; spans: SpanCounts; close(): Promise<void> }> {
  let bytes = 0;
  let exports = 0;
  const spans: SpanCounts = { ultra: {}, instrumentations: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => (chunks.push(c), (bytes += c.length)));
    req.on('end', () => {
      exports++;
      type Body = { resourceSpans?: { scopeSpans?: { scope?: { name?: string }; spans?: { kind?: number }[] }[] }[] };
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
        for (const rs of body.resourceSpans ?? []) {
          for (const ss of rs.scopeSpans ?? []) {
            const own = !(ss.scope?.name ?? '').startsWith('@opentelemetry/');
            for (const span of ss.spans ?? []) {
              if (own) spans.ultra[span.kind ?? 1] = (spans.ultra[span.kind ?? 1] ?? 0) + 1;
              else spans.instrumentations++;
            }
          }
        }
      } catch {
        // not JSON: counted in bytes only
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, bytes: () => bytes, exports: () => exports, spans, close: () => new Promise((r) => server.close(() => r())) };
}
