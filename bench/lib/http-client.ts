import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface StreamTiming {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** From sending the request to the first SSE event carrying text, in ms (NaN if none came). */
  ttftMs: number;
  /** Text events received. */
  chunks: number;
}

/**
 * A keep-alive HTTP/1.1 client for one origin, one socket per request in flight, as a
 * pooled SDK client would use it.
 */
export interface HttpClient {
  request(method: 'GET' | 'POST', path: string, body?: string, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** POSTs a `stream: true` chat body and times the first text chunk of the SSE answer (OpenAI chunk format). */
  stream(path: string, body: string, headers?: Record<string, string>): Promise<StreamTiming>;
  close(): void;
}

export function createHttpClient(origin: string, maxSockets: number): HttpClient {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
  const send = (method: string, path: string, body: string | undefined, headers: Record<string, string>) => {
    const h: Record<string, string | number> = { ...headers };
    if (body !== undefined) {
      h['content-type'] = 'application/json';
      h['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers: h });
    req.end(body);
    return req;
  };
  return {
    request(method, path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const req = send(method, path, body, headers);
        req.once('error', reject);
        req.once('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('error', reject);
          res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
        });
      });
    },
    stream(path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const req = send('POST', path, body, headers);
        req.once('error', reject);
        req.once('response', (res) => {
          let ttftMs = Number.NaN;
          let chunks = 0;
          let pending = '';
          res.setEncoding('utf8');
          res.on('data', (text: string) => {
            pending += text;
            let cut: number;
            while ((cut = pending.indexOf('\n\n')) >= 0) {
              const event = pending.slice(0, cut);
              pending = pending.slice(cut + 2);
              if (hasText(event)) {
                if (chunks === 0) ttftMs = performance.now() - t0;
                chunks++;
              }
            }
          });
          res.once('error', reject);
          res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, ttftMs, chunks }));
        });
      });
    },
    close: () => agent.destroy(),
  };
}

/** Whether one SSE event is an OpenAI chunk whose first choice carries text. */
function hasText(event: string): boolean {
  const line = event.split('\n').find((l) => l.startsWith('data: '));
  if (!line || line === 'data: [DONE]') return false;
  try {
    const data = JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: unknown } }> };
    const content = data.choices?.[0]?.delta?.content;
    return typeof content === 'string' && content !== '';
  } catch {
    return false;
  }
}
