import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { toApiError } from './api-error.ts';
import type { ApiHandlers, ApiResponse } from './api-handlers.ts';
import { jsonBody } from './json-fields.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The Go server's routes (`api.go`): path segments (`:x` captures) → method → handler. */
const routes: readonly { path: readonly string[]; methods: Partial<Record<Method, keyof ApiHandlers>> }[] = [
  { path: ['reset'], methods: { POST: 'resetState' } },
  { path: ['proxies'], methods: { GET: 'proxyIndex', POST: 'proxyCreate' } },
  { path: ['populate'], methods: { POST: 'populate' } },
  {
    path: ['proxies', ':proxy'],
    methods: { GET: 'proxyShow', POST: 'proxyUpdate', PATCH: 'proxyUpdate', DELETE: 'proxyDelete' },
  },
  { path: ['proxies', ':proxy', 'toxics'], methods: { GET: 'toxicIndex', POST: 'toxicCreate' } },
  {
    path: ['proxies', ':proxy', 'toxics', ':toxic'],
    methods: { GET: 'toxicShow', POST: 'toxicUpdate', PATCH: 'toxicUpdate', DELETE: 'toxicDelete' },
  },
  { path: ['version'], methods: { GET: 'version' } },
];

function match(segments: readonly string[], path: readonly string[]): Record<string, string> | undefined {
  if (segments.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of path.entries()) {
    const segment = segments[i] ?? '';
    if (part.startsWith(':') && segment !== '') params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

function send(res: ServerResponse, reply: ApiResponse): void {
  if (reply.json !== undefined) {
    res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json' });
    res.end(JSON.stringify(reply.json));
  } else if (reply.text !== undefined) {
    res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'text/plain; charset=utf-8' });
    res.end(reply.text);
  } else {
    res.writeHead(reply.status).end();
  }
}

/** Go's `http.Error`: the message as text/plain, newline-terminated. */
function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${message}\n`);
}

async function readText(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

async function handle(handlers: ApiHandlers, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', 'http://toxiproxy');
  let segments: string[];
  try {
    segments = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return sendError(res, 404, '404 page not found');
  }
  const route = routes.map((r) => ({ r, params: match(segments, r.path) })).find((m) => m.params);
  if (!route?.params) return sendError(res, 404, '404 page not found');
  const name = route.r.methods[req.method as Method];
  if (!name) return void res.writeHead(405).end();
  if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) return sendError(res, 403, 'User agent not allowed');
  try {
    send(res, await handlers[name]({ params: route.params, body: jsonBody(await readText(req)) }));
  } catch (e) {
    const error = toApiError(e);
    sendError(res, error.status, JSON.stringify(error));
  }
}

/**
 * Builds the Toxiproxy HTTP API server over `handlers`, not yet listening: routes,
 * status codes and error bodies as in the Go server (`404 page not found` for unknown
 * paths, 405 for a known path with another method, 403 for browsers).
 */
export function buildApiServer(handlers: ApiHandlers): Server {
  return createServer((req, res) => {
    handle(handlers, req, res).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, 500, JSON.stringify(toApiError(e)));
      else res.destroy();
    });
  });
}
