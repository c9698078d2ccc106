import { Code, ConnectError } from '@connectrpc/connect';
import { Role } from '@ultra/contracts/chat';
import { JobState, RouterService } from '@ultra/contracts/router';
import { createServiceClient } from '@ultra/runtime';

/** What became of the jobs submitted during a run. */
export interface JobFigures {
  /** Accepted by SubmitJob (each has an id). */
  submitted: number;
  /** SubmitJob said no (the client was told, so not lost). */
  refused: number;
  succeeded: number;
  /** Given up and kept in the dead-letter set (recorded, redrivable: not lost). */
  deadLettered: number;
  /** Vanished (GetJob: not found) or not final by the end of the wait. */
  lost: number;
  /** Why the queue could not be checked at all (no queue in this router, say). */
  unavailable?: string | undefined;
}

/** A job prober, running until stopped. */
export interface JobProbe {
  /** Stops submitting and waits, at most `settleMs`, for every job to reach a final state. */
  finish(settleMs: number): Promise<JobFigures>;
}

const FINAL = new Set([JobState.SUCCEEDED, JobState.DEAD_LETTERED, JobState.CANCELLED]);
const NO_QUEUE = new Set([Code.Unimplemented, Code.FailedPrecondition]);

/**
 * Submits one job every `everyMs` (default 1000) through the router's SubmitJob, each
 * with its own prompt, while the scenario runs; at the end follows every accepted job
 * with GetJob until it is final. A job that vanishes or never ends is lost.
 */
export function startJobProbe(routerGrpcPort: number, tag: string, everyMs = 1_000): JobProbe {
  const router = createServiceClient(RouterService, { host: '127.0.0.1', port: routerGrpcPort });
  const ids: string[] = [];
  let refused = 0;
  let unavailable: string | undefined;
  let n = 0;
  const submit = async () => {
    const content = `chaos ${tag}: job ${n++}`;
    try {
      const res = await router.submitJob({ request: { model: 'chat', messages: [{ role: Role.USER, content }] } }, { timeoutMs: 5_000 });
      if (res.job?.id) ids.push(res.job.id);
    } catch (e) {
      const err = ConnectError.from(e);
      if (NO_QUEUE.has(err.code) && ids.length === 0) unavailable ??= `${Code[err.code]}: ${err.rawMessage}`;
      else refused++;
    }
  };
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    if (unavailable) return;
    const p = submit().finally(() => pending.delete(p));
    pending.add(p);
  }, everyMs);

  return {
    async finish(settleMs) {
      clearInterval(timer);
      await Promise.all([...pending]);
      if (unavailable) return { submitted: 0, refused: 0, succeeded: 0, deadLettered: 0, lost: 0, unavailable };
      const states = new Map<string, JobState | 'gone'>();
      const end = Date.now() + settleMs;
      for (;;) {
        for (const id of ids) {
          const s = states.get(id);
          if (s === 'gone' || (s !== undefined && FINAL.has(s))) continue;
          try {
            states.set(id, (await router.getJob({ id }, { timeoutMs: 2_000 })).job?.state ?? JobState.UNSPECIFIED);
          } catch (e) {
            if (ConnectError.from(e).code === Code.NotFound) states.set(id, 'gone');
          }
        }
        const open = ids.filter((id) => {
          const s = states.get(id);
          return s !== 'gone' && (s === undefined || !FINAL.has(s));
        });
        if (open.length === 0 || Date.now() > end) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const count = (pred: (s: JobState | 'gone' | undefined) => boolean) => ids.filter((id) => pred(states.get(id))).length;
      return {
        submitted: ids.length,
        refused,
        succeeded: count((s) => s === JobState.SUCCEEDED),
        deadLettered: count((s) => s === JobState.DEAD_LETTERED),
        lost: count((s) => s === 'gone' || s === undefined || !FINAL.has(s)),
      };
    },
  };
}
