import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AttemptSchema, ChatAnswerSchema, ChatRequestSchema, type ChatAnswer, type ChatRequest } from '@ultra/contracts/chat';
import { JobAttemptSchema, type JobAttempt } from '@ultra/contracts/router';
import type { Failure } from './classify.ts';

/** One finished attempt, stored in the job (JSON in BullMQ's job hash). */
export interface AttemptRecord {
  /** 1-based, counted across redrives. */
  n: number;
  /** The chat Outcome enum value. */
  outcome: number;
  detail: string;
  /** Epoch ms. */
  startedAt: number;
  finishedAt: number;
  retryAfterMs: number;
  /** The wait chosen before the next attempt, ms (0: none followed). */
  retryDelayMs?: number;
  /** The providers' attempts, each a protobuf `ultra.chat.v1.Attempt` in base64. */
  providers: string[];
}

/** What the queue keeps in a BullMQ job's `data`. */
export interface JobData {
  /** The request, a protobuf `ultra.chat.v1.ChatRequest` in base64. */
  request: string;
  /** The idempotency key the job id was made from. */
  key: string;
  /** No attempt starts after this, epoch ms. */
  deadline: number;
  /** Attempts per round (since submit or the last redrive). */
  maxAttempts: number;
  attempts: AttemptRecord[];
  /** Where in `attempts` the current round starts (the count at the last redrive; absent: 0). */
  roundFrom?: number;
  /** When the next attempt may start, epoch ms (set when one is scheduled). */
  nextAttemptAt?: number;
  /** Why the job was dead-lettered. */
  reason?: string;
  redrives: number;
  /** Tells the submit that created the job from those that found it. */
  nonce: string;
}

/** Fields Ultra adds to BullMQ's job hash, written only by the queue's own Lua scripts. */
export const FIELD = {
  /** Epoch ms of the CancelJob that cancelled the job. */
  cancelledAt: 'ultraCancelledAt',
  /** The committed answer: a protobuf `ultra.chat.v1.ChatAnswer` in base64, written once. */
  answer: 'ultraAnswer',
  /** How many runs reached the commit; 1 for every answered job (the crash test reads it). */
  completions: 'ultraCompletions',
} as const;

/** The job's BullMQ return value: what became of it (the answer itself is in {@link FIELD.answer}). */
export type JobResult = 'answered' | 'cancelled';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

export const encodeRequest = (r: ChatRequest) => b64(toBinary(ChatRequestSchema, r));
export const decodeRequest = (text: string): ChatRequest => fromBinary(ChatRequestSchema, unb64(text));
export const encodeAnswer = (a: ChatAnswer) => b64(toBinary(ChatAnswerSchema, a));
export const decodeAnswer = (text: string): ChatAnswer => fromBinary(ChatAnswerSchema, unb64(text));

/** The record of a failed attempt. */
export function attemptRecord(n: number, f: Failure, startedAt: number, finishedAt: number): AttemptRecord {
  return {
    n,
    outcome: f.outcome,
    detail: f.detail,
    startedAt,
    finishedAt,
    retryAfterMs: Math.round(f.retryAfterMs),
    providers: f.providerAttempts.map((a) => b64(toBinary(AttemptSchema, a))),
  };
}

export function toJobAttempt(r: AttemptRecord): JobAttempt {
  return create(JobAttemptSchema, {
    number: r.n,
    outcome: r.outcome,
    detail: r.detail,
    startedAt: timestampFromMs(r.startedAt),
    finishedAt: timestampFromMs(r.finishedAt),
    retryAfterMs: r.retryAfterMs,
    retryDelayMs: r.retryDelayMs ?? 0,
    providerAttempts: r.providers.map((p) => fromBinary(AttemptSchema, unb64(p))),
  });
}
