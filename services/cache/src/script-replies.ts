/**
 * The replies of the Lua scripts in redis-scripts.ts, checked for the shape each script
 * returns. A reply of another shape throws, naming the script and what came back, so the
 * Redis call counts as failed (redis-link.ts) instead of handing on values of the wrong type.
 */

/** What a reply looks like, without its contents (an entry's bytes are not for error messages). */
const shapeOf = (reply: unknown): string =>
  Array.isArray(reply) ? `[${reply.map((v) => (Buffer.isBuffer(v) ? 'bytes' : typeof v)).join(', ')}]` : Buffer.isBuffer(reply) ? 'bytes' : typeof reply;

const mismatch = (script: string, expected: string, reply: unknown) => new Error(`the ${script} script replied ${shapeOf(reply)}, expected ${expected}`);

/** DELETE_BATCH: entries deleted in this step, and keys looked at. */
export function deleteBatchReply(reply: unknown): { deleted: number; seen: number } {
  const [deleted, seen]: unknown[] = Array.isArray(reply) ? reply : [];
  if (typeof deleted !== 'number' || typeof seen !== 'number') throw mismatch('DELETE_BATCH', '[number, number]', reply);
  return { deleted, seen };
}

/** ACQUIRE (run with buffers): 2 hit, 1 granted, 0 held; the stored entry (empty for none); ms the lease still holds. */
export function acquireReply(reply: unknown): { status: number; raw: Buffer; pttlMs: number } {
  const [status, raw, pttlMs]: unknown[] = Array.isArray(reply) ? reply : [];
  if (typeof status !== 'number' || !Buffer.isBuffer(raw) || typeof pttlMs !== 'number') throw mismatch('ACQUIRE', '[number, bytes, number]', reply);
  return { status, raw, pttlMs };
}

/** SYNC_POINT: the epoch and gen now. */
export function syncPointReply(reply: unknown): { epoch: string; gen: number } {
  const [epoch, gen]: unknown[] = Array.isArray(reply) ? reply : [];
  if (typeof epoch !== 'string' || typeof gen !== 'number') throw mismatch('SYNC_POINT', '[string, number]', reply);
  return { epoch, gen };
}
