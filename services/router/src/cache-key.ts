import { createHash } from 'node:crypto';
import { CachePolicy, type ChatRequest } from '@ultra/contracts/chat';

/**
 * The cache key of a request: a SHA-256 over its normalised form, i.e. the model as
 * asked and everything that changes the answer (messages, sampling parameters), and
 * nothing that does not (session, priority, cache policy, idempotency key).
 */
export function cacheKey(model: string, request: ChatRequest): string {
  const s = request.sampling;
  const normal = {
    m: model,
    msg: request.messages.map((x) => [x.role, x.content, x.name]),
    t: s?.temperature ?? null,
    p: s?.topP ?? null,
    n: s?.maxTokens ?? null,
    stop: s?.stop ?? [],
    seed: s?.seed?.toString() ?? null,
    pp: s?.presencePenalty ?? null,
    fp: s?.frequencyPenalty ?? null,
  };
  return `chat:${createHash('sha256').update(JSON.stringify(normal)).digest('hex')}`;
}

/** Whether a request may be answered from the cache, and whether its answer may be stored. */
export function cachePolicyOf(request: ChatRequest, maxTemperature: number): { lookup: boolean; store: boolean; staleOk: boolean } {
  const hot = (request.sampling?.temperature ?? 0) > maxTemperature;
  const policy = request.cachePolicy;
  const storeable = !hot && policy !== CachePolicy.NO_STORE;
  return {
    lookup: storeable && policy !== CachePolicy.NO_CACHE,
    store: storeable,
    staleOk: policy === CachePolicy.STALE_OK,
  };
}
