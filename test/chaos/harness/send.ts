import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request of the load and what came of it. */
export interface Sample {
  /** Sequence number in the run. */
  i: number;
  /** When it was sent, ms since the run's start. */
  sentAt: number;
  /** Until the whole answer (or the error) was in, ms. */
  latencyMs: number;
  /** HTTP status; 0 when no answer came (connection error, client timeout). */
  status: number;
  /** A 200 with a complete answer (for a stream: a finish reason and `[DONE]`). */
  ok: boolean;
  stream: boolean;
  /** One of the repeated ("hot") prompts, which the cache may answer. */
  repeat: boolean;
  mode?: string | undefined;
  servedFrom?: string | undefined;
  provider?: string | undefined;
  /** `x-ultra-attempts`, e.g. `openai:connection:3ms,anthropic:ok:9ms`. */
  attempts?: string | undefined;
  error?: string;
  /** A stream that ended without a finish reason and without an error event: a truncation the caller cannot see. */
  silentTruncation?: boolean;
  /** Text chunks received (streams). */
  chunks?: number;
  /** HTTP 202: deferred to the queue, with this job id. */
  jobId?: string;
}

/** What one request asks. */
export interface ChatCall {
  i: number;
  sentAt: number;
  prompt: string;
  stream: boolean;
  repeat: boolean;
  /** The client gives up after this long, ms. */
  timeoutMs: number;
  /** `x-ultra-priority`, when set. */
  priority?: string;
}

const header = (res: http.IncomingMessage, name: string) => {
  const v = res.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/** Reads an OpenAI SSE body: counts text chunks, finds the finish reason, `[DONE]`, an error event and Ultra's fields. */
function readSse(text: string, sample: Sample): void {
  let finished = false;
  let done = false;
  let errored = false;
  let chunks = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const data = line.slice(6).trim();
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    try {
      const event = JSON.parse(data) as {
        error?: { message?: string };
        choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
        ultra?: Record<string, string>;
      };
      if (event.error) {
        errored = true;
        sample.error = event.error.message ?? 'stream error';
      }
      const choice = event.choices?.[0];
      if (choice?.delta?.content) chunks++;
      if (choice?.finish_reason) finished = true;
      if (event.ultra) {
        sample.mode = event.ultra['x-ultra-mode'];
        sample.servedFrom = event.ultra['x-ultra-served-from'];
        sample.provider = event.ultra['x-ultra-provider'];
        sample.attempts = event.ultra['x-ultra-attempts'];
      }
    } catch {
      errored = true;
      sample.error = `unreadable event: ${data.slice(0, 80)}`;
    }
  }
  sample.chunks = chunks;
  sample.ok = finished && done && !errored;
  sample.silentTruncation = !finished && !errored;
}

/** Sends one chat request to the router's OpenAI front door. Never rejects: failures are samples too. */
export function sendChat(agent: http.Agent, frontUrl: string, call: ChatCall): Promise<Sample> {
  const started = performance.now();
  const sample: Sample = { i: call.i, sentAt: call.sentAt, latencyMs: 0, status: 0, ok: false, stream: call.stream, repeat: call.repeat };
  const body = JSON.stringify({ model: 'chat', stream: call.stream, messages: [{ role: 'user', content: call.prompt }] });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      sample.latencyMs = performance.now() - started;
      if (error !== undefined) {
        sample.ok = false;
        sample.error ??= error;
      }
      resolve(sample);
    };
    const req = http.request(
      `${frontUrl}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(call.priority ? { 'x-ultra-priority': call.priority } : {}) },
        timeout: call.timeoutMs,
      },
      (res) => {
        sample.status = res.statusCode ?? 0;
        sample.mode = header(res, 'x-ultra-mode');
        sample.servedFrom = header(res, 'x-ultra-served-from');
        sample.provider = header(res, 'x-ultra-provider');
        sample.attempts = header(res, 'x-ultra-attempts');
        const jobId = header(res, 'x-ultra-job-id');
        if (jobId) sample.jobId = jobId;
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('error', (e) => settle(`response: ${e.message}`));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          if (sample.status === 200 && call.stream) readSse(text, sample);
          else if (sample.status === 200) sample.ok = true;
          else {
            try {
              sample.error = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text.slice(0, 200);
            } catch {
              sample.error = text.slice(0, 200);
            }
          }
          settle();
        });
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error(`no answer within ${call.timeoutMs} ms`));
    });
    req.on('error', (e) => settle(e.message));
    req.end(body);
  });
}
