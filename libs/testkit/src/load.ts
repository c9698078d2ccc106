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
  /** The error message of a refusal, or the fetch error of a call that never got an answer. */
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

/** A refusal's wait in ms as the OpenAI SDKs read it: `retry-after-ms` first, else `retry-after` in seconds; `null` without either. */
function retryAfterMs(h: Headers): string | null {
  const ms = h.get('retry-after-ms');
  if (ms) return ms;
  const s = h.get('retry-after');
  return s ? String(Number(s) * 1000) : null;
}

/** One chat completion; never throws (a transport error is status 0). */
export async function callOnce(url: string, priority?: string, label = 'load'): Promise<CallResult> {
  const started = Date.now();
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' };
  if (priority) headers['x-ultra-priority'] = priority;
  try {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `${label} ${++seq}` }] }),
    });
    const text = await res.text();
    const detail = res.status === 200 ? '' : ((JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text);
    return { status: res.status, ms: Date.now() - started, at: Date.now(), retryAfterMs: retryAfterMs(res.headers), detail };
  } catch (e) {
    return { status: 0, ms: Date.now() - started, at: Date.now(), retryAfterMs: null, detail: (e as Error).message };
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
