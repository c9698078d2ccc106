import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '@ultra/core';

/** Largest request body the simulator reads, in bytes. */
const BODY_LIMIT = 4 * 1024 * 1024;

/** Reads a request body into a string (up to 4 MiB). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    const buf = Buffer.isBuffer(part) ? part : Buffer.from(String(part));
    size += buf.length;
    if (size > BODY_LIMIT) throw new RangeError(`request body over ${BODY_LIMIT} bytes`);
    parts.push(buf);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Parses JSON, or gives undefined. */
export function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    return undefined;
  }
}

/** Sends a JSON answer (nothing when the connection is already gone). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** One server-sent event. */
export interface SseEvent {
  event?: string;
  data: string;
}

/** One SSE event as it goes on the wire. */
export const sseText = (e: SseEvent): string => `${e.event ? `event: ${e.event}\n` : ''}data: ${e.data}\n\n`;

/** Writes one SSE event and waits until it is handed to the socket; false when the connection is gone. */
export function writeSse(res: ServerResponse, e: SseEvent): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    res.write(sseText(e), (err) => resolve(!err && !res.destroyed));
  });
}

/**
 * Waits `ms` on `clock`; resolves false (early) when `signal` aborts. A wait of 0 or
 * less resolves true at once without touching the clock.
 */
export function wait(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      resolve(false);
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
