import { clone, create } from '@bufbuild/protobuf';
import { ChatAnswerSchema, ChatRequestSchema, Mode, Priority, SamplingParamsSchema, ServedFrom, type ChatAnswer } from '@ultra/contracts/chat';
import type { ModeName, ModePolicy, PriorityName } from '@ultra/config';
import { finish, lookup, sendingInstead, type FlowDeps, type Prepared } from './context.ts';
import { UnavailableError } from '@ultra/core';
import { retryAfterWithin, soonestReturnMs } from '../routing/retry-after.ts';
import { shedForOverload } from './overload-admission.ts';

const MODE_NAMES: Record<number, ModeName> = {
  [Mode.NORMAL]: 'normal',
  [Mode.DEGRADED]: 'degraded',
  [Mode.CRITICAL]: 'critical',
  [Mode.OUTAGE]: 'outage',
};
const PRIORITY_NAMES: Record<number, PriorityName> = {
  [Priority.UNSPECIFIED]: 'normal',
  [Priority.HIGH]: 'high',
  [Priority.NORMAL]: 'normal',
  [Priority.LOW]: 'low',
  [Priority.BATCH]: 'batch',
};

/** The priority a request asked for by name (`normal` when it named none). */
export const priorityOf = (request: { readonly priority: Priority } | undefined): PriorityName => (request ? PRIORITY_NAMES[request.priority] : undefined) ?? 'normal';

/** The mode's row of the config table, for the mode the router is in now. */
export function currentPolicy(deps: FlowDeps): { mode: Mode; name: ModeName; policy: ModePolicy } {
  const { mode } = deps.mode.current();
  const name = MODE_NAMES[mode] ?? 'normal';
  return { mode, name, policy: deps.config.modes.table[name] };
}

/**
 * What to do with a request: serve it live (under the mode's policy, sending `prepared`:
 * the request as the mode lets it go out, with its own cache key) or the answer already decided.
 */
export type Admission = { kind: 'live'; policy: ModePolicy; prepared: Prepared } | { kind: 'answered'; answer: ChatAnswer };

/** The request that goes out under a max_tokens cap (`p` itself when the cap changes nothing). */
function capped(deps: FlowDeps, p: Prepared, maxTokens: number): Prepared {
  const asked = p.request.sampling?.maxTokens;
  if (maxTokens <= 0 || (asked !== undefined && asked <= maxTokens)) return p;
  const request = clone(ChatRequestSchema, p.request);
  request.sampling ??= create(SamplingParamsSchema);
  request.sampling.maxTokens = maxTokens;
  return sendingInstead(deps, p, request);
}

/**
 * Admission by priority and degraded mode. A priority the mode serves live goes on (with
 * the mode's max_tokens cap); otherwise the cache is asked for the request as asked (stale
 * accepted), then the request is deferred to the queue when the mode defers its priority,
 * else refused with a Retry-After.
 */
export async function admit(deps: FlowDeps, p: Prepared, signal: AbortSignal): Promise<Admission> {
  const { name, policy } = currentPolicy(deps);
  const priority = priorityOf(p.request);
  const shed = await shedForOverload(deps, p, priority);
  if (shed) return shed;
  if (policy.live.includes(priority) && !policy.cacheOnly) return { kind: 'live', policy, prepared: capped(deps, p, policy.maxTokens) };
  if (p.policy.store || p.policy.staleOk) {
    const hit = await lookup(deps, p, signal, policy.serveStale);
    if (hit) return { kind: 'answered', answer: finish(deps, hit.answer, hit.stale ? ServedFrom.STALE_CACHE : ServedFrom.CACHE, []) };
  }
  // A refusal sends the caller back for when a provider that is down now is expected back.
  const { intervalMs, threshold } = deps.config.healthCheck;
  const retryAfterMs = retryAfterWithin(soonestReturnMs(deps.book, p.tiers, deps.clock.now(), intervalMs * threshold), policy.retryAfterMs);
  if (policy.defer.includes(priority)) {
    if (deps.defer) {
      const jobId = await deps.defer(p.request);
      const answer = create(ChatAnswerSchema, { jobId });
      return { kind: 'answered', answer: finish(deps, answer, ServedFrom.QUEUE, [], `deferred to the queue as job ${jobId}`) };
    }
    throw new UnavailableError(`Ultra is in ${name} mode and defers ${priority}-priority requests, but the queue needs Redis (set REDIS_URL); try again later`, retryAfterMs);
  }
  throw new UnavailableError(
    policy.cacheOnly
      ? `Ultra is in ${name} mode and answers from the cache only; this request is not in the cache`
      : `Ultra is in ${name} mode and does not serve ${priority}-priority requests now`,
    retryAfterMs,
  );
}
