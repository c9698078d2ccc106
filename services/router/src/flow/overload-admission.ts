import { create } from '@bufbuild/protobuf';
import { ChatAnswerSchema, ServedFrom } from '@ultra/contracts/chat';
import { PRIORITIES, type PriorityName } from '@ultra/config';
import { UnavailableError } from '@ultra/core';
import type { Admission } from './admission.ts';
import { finish, type FlowDeps, type Prepared } from './context.ts';
import type { OverloadGuard } from './overload-guard.ts';


/**
 * For the HTTP front, before the body is read: the error for a request whose
 * `x-ultra-priority` is shed entirely now (so a flood of shed work costs next to
 * nothing), else `undefined`. Batch is never refused here: it may go to the queue.
 */
export function shedBeforeReading(guard: OverloadGuard | undefined, header: string | string[] | undefined): UnavailableError | undefined {
  const priority = typeof header === 'string' ? header.trim().toLowerCase() : '';
  if (!guard || !isPriorityName(priority) || priority === 'batch') return undefined;
  const decision = guard.refusesOutright(priority);
  return decision.ok ? undefined : refusal(decision.detail, decision.retryAfterMs);
}

const isPriorityName = (s: string): s is PriorityName => PRIORITIES.some((p) => p === s);

const refusal = (detail: string, retryAfterMs: number) => new UnavailableError(`${detail}; try again in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs);

/**
 * Admission by Ultra's own saturation, before the degraded mode's: a request the overload
 * guard sheds is refused at once with a Retry-After (UNAVAILABLE, HTTP 503), except batch
 * work, which goes to the queue when there is one. `undefined`: go on.
 */
export async function shedForOverload(deps: FlowDeps, p: Prepared, priority: PriorityName): Promise<Admission | undefined> {
  const decision = deps.overload?.admit(priority);
  if (!decision || decision.ok) return undefined;
  if (priority === 'batch' && deps.defer) {
    const jobId = await deps.defer(p.request);
    return { kind: 'answered', answer: finish(deps, create(ChatAnswerSchema, { jobId }), ServedFrom.QUEUE, [], `${decision.detail}; deferred to the queue as job ${jobId}`) };
  }
  throw refusal(decision.detail, decision.retryAfterMs);
}
