import http from 'node:http';
import { isRecord } from '@ultra/core';

/**
 * A load generator for the multi-process load tests and the bench: closed-loop callers on
 * the OpenAI-compatible front door, each sending its next request when the last one
 * ends, and, as the official SDKs do, waiting out a refusal's Retry-After first.
 */

export interface CallResult {
  readonly status: number;
  readonly ms: number;
  /** Epoch ms the call ended. */
  readonly at: number;
  /** The refusal's wait, ms (from `retry-after-ms`, else `retry-after`), as the SDKs read it; `null` without one. */
  readonly retryAfterMs: string | null;
  /** The error message of a refusal, or the transport error of a call that never got an answer. */
  readonly detail: string;
}

export interface LoadOptions {
  readonly url: string;
  readonly callers: number;
  /** Each caller stops after this many calls, or when `until` (epoch ms) has passed. */
  readonly rounds?: number | undefined;
  readonly until?: number | undefined;
  readonly priority?: string | undefined;
  /** Honour a refusal's Retry-After before the next call (as the SDKs do). Default true. */
  readonly honourRetryAfter?: boolean | undefined;
  readonly label?: string | undefined;
}

let seq = 0;

/**
 * One keep-alive agent per origin, a socket per caller in flight. node:http rather than
 * fetch: a crowd of 512 callers in one process spent about 2 ms of CPU a call through fetch,
 * a third of a two-core machine that the gateway being measured needs (a client's own
 * cost, which real callers do not put on Ultra's machine).
 */
const agents = new Map<string, http.Agent>();
const agentFor = (origin: string) => {
  let agent = agents.get(origin);
  if (!agent) agents.set(origin, (agent = new http.Agent({ keepAlive: true })));
  return agent;
};

/** A refusal's wait in ms as the OpenAI SDKs read it: `retry-after-ms` first, else `retry-after` in seconds; `null` without either. */
function retryAfterMs(h: http.IncomingHttpHeaders): string | null {
  const ms = h['retry-after-ms'];
  if (typeof ms === 'string' && ms !== '') return ms;
  const s = h['retry-after'];
  return typeof s === 'string' && s !== '' ? String(Number(s) * 1000) : null;
}

/** POSTs `body` to `url`; the status, headers and body text. */
function post(url: URL, body: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'POST', agent: agentFor(url.origin), headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The `error.message` of an OpenAI-shaped error body, else the body itself. */
function errorDetail(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    const message = isRecord(parsed) && isRecord(parsed['error']) ? parsed['error']['message'] : undefined;
    return typeof message === 'string' ? message : text;
  } catch {
    return text;
  }
}

/** One chat completion; never throws (a transport error is status 0). */
export async function callOnce(url: string, priority?: string, label = 'load'): Promise<CallResult> {
  const started = Date.now();
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' };
  if (priority) headers['x-ultra-priority'] = priority;
  try {
    const res = await post(new URL(`${url}/v1/chat/completions`), JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `${label} ${++seq}` }] }), headers);
    const detail = res.status === 200 ? '' : errorDetail(res.text);
    return { status: res.status, ms: Date.now() - started, at: Date.now(), retryAfterMs: retryAfterMs(res.headers), detail };
  } catch (e) {
    return { status: 0, ms: Date.now() - started, at: Date.now(), retryAfterMs: null, detail: e instanceof Error ? e.message : String(e) };
  }
}

/** Runs `callers` closed loops until each has made `rounds` calls or `until` has passed; every call's result. */
export async function closedLoop(o: LoadOptions): Promise<CallResult[]> {
  const results: CallResult[] = [];
  const done = (n: number) => (o.rounds !== undefined && n >= o.rounds) || (o.until !== undefined && Date.now() >= o.until);
  await Promise.all(
    Array.from({ length: o.callers }, async () => {
      for (let n = 0; !done(n); n++) {
        const r = await callOnce(o.url, o.priority, o.label);
        results.push(r);
        const wait = r.retryAfterMs && o.honourRetryAfter !== false ? Number(r.retryAfterMs) : 0;
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(0, (o.until ?? Infinity) - Date.now()))));
      }
    }),
  );
  return results;
}

/** The q-quantile of `xs` (nearest rank). */
export const quantile = (xs: readonly number[], q: number) => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};

/** Counts of results by status, e.g. `{ '200': 380, '503': 4 }`. */
export const byStatus = (rs: readonly CallResult[]) => rs.reduce<Record<string, number>>((m, r) => ((m[r.status] = (m[r.status] ?? 0) + 1), m), {});
