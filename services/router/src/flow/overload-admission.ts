import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ChatAnswerSchema, ServedFrom } from '@ultra/contracts/chat';
import type { PriorityName } from '@ultra/config';
import type { Admission } from './admission.ts';
import { finish, type FlowDeps, type Prepared } from './context.ts';
import { withRetryAfter } from './failures.ts';
import type { OverloadGuard } from './overload-guard.ts';

const CLASSES = new Set<string>(['high', 'normal', 'low', 'batch']);

/**
 * For the HTTP front, before the body is read: the error for a request whose
 * `x-ultra-priority` is shed entirely now (so a flood of shed work costs next to
 * nothing), else `undefined`. Batch is never refused here: it may go to the queue.
 */
export function shedBeforeReading(guard: OverloadGuard | undefined, header: string | string[] | undefined): ConnectError | undefined {
  const priority = typeof header === 'string' ? header.trim().toLowerCase() : '';
  if (!guard || !CLASSES.has(priority) || priority === 'batch') return undefined;
  const decision = guard.refusesOutright(priority as PriorityName);
  return decision.ok ? undefined : refusal(decision.detail, decision.retryAfterMs);
}

const refusal = (detail: string, retryAfterMs: number) =>
  withRetryAfter(new ConnectError(`${detail}; try again in ${Math.ceil(retryAfterMs / 1000)} s`, Code.Unavailable), retryAfterMs);

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
