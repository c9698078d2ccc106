import { Outcome, ServedFrom, type ChatAnswer } from '@ultra/contracts/chat';
import { outcomeName } from '@ultra/runtime';
import { DelayedError, UnrecoverableError, type Job as BullJob } from 'bullmq';
import { classifyFailure, type Failure } from './classify.ts';
import { attemptRecord, decodeRequest, encodeAnswer, type JobData, type JobResult } from './job-data.ts';
import { commitAnswer, readMarks } from './job-scripts.ts';
import type { QueueCore } from './queue-core.ts';
import type { QueueFlow } from './queue-flow.ts';
import { count, countersKey } from './queue-stats.ts';
import { RetryLater, type RetryPolicy } from './retry-policy.ts';

export interface ProcessorDeps {
  core: QueueCore;
  /** The router's failover path (or a stand-in with the same shape). */
  flow: QueueFlow;
  policy: RetryPolicy;
}

const never = new AbortController().signal;

/**
 * The attempt a run makes, 1-based within the round: one more than the attempts recorded
 * since submit or the last redrive. BullMQ's own count misses a run whose worker died
 * after recording its attempt, so the larger of the two is used.
 */
export const attemptOf = (job: Pick<BullJob<JobData>, 'attemptsMade' | 'data'>): number =>
  Math.max(job.attemptsMade, job.data.attempts.length - (job.data.roundFrom ?? 0)) + 1;

/**
 * BullMQ's processor: one attempt of a job through the chat flow. It returns (BullMQ
 * files the job as done) once the answer is committed — atomically and once, so a run
 * that lost its worker cannot answer twice — or when the job was cancelled. It throws
 * {@link RetryLater} to be retried after the policy's delay, an `UnrecoverableError` to
 * dead-letter, and a `DelayedError` (no attempt spent) when the router tried no provider
 * (its degraded mode defers or refuses the request, or none is available) or the worker
 * is stopping.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { core, flow, policy } = deps;
  const { config, clock } = core;
  const redis = core.consumer();
  const counters = countersKey(core);
  const retried = (outcome: string) => config.retryOn[outcome] === true;

  const cancelled = async (): Promise<JobResult> => {
    await count(redis, counters, 'cancelled');
    return 'cancelled';
  };
  /** Puts the job back for later without spending an attempt. */
  const later = async (job: BullJob<JobData>, token: string | undefined, waitMs: number): Promise<never> => {
    const at = clock.now() + waitMs;
    await job.updateData({ ...job.data, nextAttemptAt: at });
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  };
  const failed = async (job: BullJob<JobData>, failure: Failure, startedAt: number): Promise<never> => {
    const data = job.data;
    const finishedAt = clock.now();
    const record = attemptRecord((data.attempts.at(-1)?.n ?? 0) + 1, failure, startedAt, finishedAt);
    const outcome = outcomeName(failure.outcome);
    const decision = policy.decide({
      attempt: attemptOf(job),
      maxAttempts: data.maxAttempts,
      retried: retried(outcome),
      outcome,
      retryAfterMs: failure.retryAfterMs,
      now: finishedAt,
      deadline: data.deadline,
    });
    const attempts = [...data.attempts, record];
    if (decision.kind === 'retry') {
      attempts[attempts.length - 1] = { ...record, retryDelayMs: decision.delayMs };
      await job.updateData({ ...data, attempts, nextAttemptAt: finishedAt + decision.delayMs });
      await count(redis, counters, 'retries');
      throw new RetryLater(`${outcome}: ${failure.detail}`, decision.delayMs);
    }
    await job.updateData({ ...data, attempts, reason: decision.reason });
    await count(redis, counters, 'deadLettered');
    throw new UnrecoverableError(decision.reason);
  };

  return async (job: BullJob<JobData, JobResult>, token: string | undefined, signal?: AbortSignal): Promise<JobResult> => {
    const jobKey = core.jobKey(job.id!);
    // The cancel event reader's start is fixed before the mark is read, so a CancelJob
    // either shows in the mark or reaches this worker as an event that aborts the call.
    await core.events.ready();
    const marks = await readMarks(redis, jobKey);
    if (marks.cancelledAt !== undefined) return cancelled();
    // An earlier run committed the answer and then lost its worker: file it, call nobody.
    if (marks.answer !== undefined) return 'answered';
    // An earlier run decided, then lost its worker before BullMQ filed the decision: keep
    // it rather than spend another attempt (the job's record stays one entry per call made).
    if (job.data.reason !== undefined) throw new UnrecoverableError(job.data.reason);
    const startedAt = clock.now();
    const { nextAttemptAt } = job.data;
    if (job.data.attempts.length > (job.data.roundFrom ?? 0) && job.data.attempts.at(-1)?.retryDelayMs !== undefined && nextAttemptAt !== undefined && nextAttemptAt > startedAt) {
      return later(job, token, nextAttemptAt - startedAt);
    }
    const { deadline } = job.data;
    if (startedAt >= deadline) {
      const detail = `the job's deadline (${new Date(deadline).toISOString()}) passed before this attempt could start`;
      return failed(job, { outcome: Outcome.TIMEOUT, detail, retryAfterMs: 0, providerAttempts: [], heldBack: false }, startedAt);
    }
    let answer: ChatAnswer;
    try {
      answer = await flow.complete(decodeRequest(job.data.request), {
        signal: signal ?? never,
        timeoutMs: Math.max(1, Math.min(config.attemptTimeoutMs, deadline - startedAt)),
      });
    } catch (e) {
      if ((await readMarks(redis, jobKey)).cancelledAt !== undefined) return cancelled();
      if (signal?.aborted) return later(job, token, 0);
      const failure = classifyFailure(e, retried);
      if (failure.heldBack) {
        // No provider was tried (the mode refuses, or none is available): no attempt spent.
        // A rate limit's Retry-After is honoured; a mode's refusal advice is for callers
        // who would otherwise poll, and the queue re-asks every mode_wait instead.
        await count(redis, counters, 'modeWaits');
        const wait = failure.outcome === Outcome.RATE_LIMITED ? Math.max(config.modeWaitMs, failure.retryAfterMs) : config.modeWaitMs;
        return later(job, token, wait);
      }
      return failed(job, failure, startedAt);
    }
    if (answer.servedFrom === ServedFrom.QUEUE) {
      // The router's degraded mode defers this priority now (the flow found this very job
      // by its idempotency key): wait for the mode to change, spending no attempt.
      await count(redis, counters, 'modeWaits');
      return later(job, token, config.modeWaitMs);
    }
    const commit = await commitAnswer(redis, jobKey, encodeAnswer(answer));
    if (commit.status === 'cancelled') return cancelled();
    if (commit.status === 'committed') await count(redis, counters, 'answered');
    return 'answered';
  };
}
