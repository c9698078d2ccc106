import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConcurrencyStats } from './concurrency.ts';
import type { Faults, FaultsInput } from './faults.ts';
import { parseJson, readBody, sendJson } from './http-io.ts';
import type { SimStats } from './stats.ts';

/** What the admin API drives. */
export interface AdminTarget {
  stats(): SimStats;
  concurrency(): ConcurrencyStats;
  /** Peaks start again from what is in flight now. */
  resetConcurrency(): void;
  faultsOf(name: string): Faults;
  /** Validates and sets; the error names the bad fields. */
  trySetFaults(name: string, input: FaultsInput | unknown): { ok: true; faults: Faults } | { ok: false; error: string };
  clearFaults(name: string): void;
  reset(): void;
}

const FAULTS_PATH = /^\/_sim\/providers\/([A-Za-z0-9][A-Za-z0-9._-]*)\/faults$/;

/**
 * The admin API under `/_sim`: `GET /_sim/stats`, `GET|DELETE /_sim/concurrency` (peaks reset), `GET|PUT|DELETE
 * /_sim/providers/NAME/faults`, `POST /_sim/reset`, `GET /_sim/health`. Errors are
 * `{error: "field: what is wrong"}` with status 400 (or 404/405).
 */
export async function handleAdmin(target: AdminTarget, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const method = req.method ?? 'GET';
  if (path === '/_sim/health' && method === 'GET') return sendJson(res, 200, { ok: true });
  if (path === '/_sim/stats' && method === 'GET') return sendJson(res, 200, target.stats());
  if (path === '/_sim/concurrency' && method === 'GET') return sendJson(res, 200, target.concurrency());
  if (path === '/_sim/concurrency' && method === 'DELETE') {
    target.resetConcurrency();
    res.writeHead(204).end();
    return;
  }
  if (path === '/_sim/reset' && method === 'POST') {
    target.reset();
    res.writeHead(204).end();
    return;
  }
  const faults = FAULTS_PATH.exec(path);
  if (!faults) return sendJson(res, 404, { error: `no admin route ${method} ${path}` });
  const name = faults[1]!;
  if (method === 'GET') return sendJson(res, 200, { provider: name, faults: target.faultsOf(name) });
  if (method === 'DELETE') {
    target.clearFaults(name);
    res.writeHead(204).end();
    return;
  }
  if (method !== 'PUT') return sendJson(res, 405, { error: `${method} not allowed on ${path} (use GET, PUT or DELETE)` });
  const text = await readBody(req);
  const input = parseJson(text);
  if (input === undefined) return sendJson(res, 400, { error: `body: not valid JSON (${text.length} bytes)` });
  const result = target.trySetFaults(name, input);
  if (!result.ok) return sendJson(res, 400, { error: result.error });
  return sendJson(res, 200, { provider: name, faults: result.faults });
}
