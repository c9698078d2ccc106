import { z } from 'zod';
import { parseDuration } from '@ultra/core';
import { describeValue } from './describe.ts';

// The field schemas the config's sections share.

/** A duration string (`250ms`, `30s`, `5m`, `1h`) parsed to milliseconds. */
export const duration = z
  .string({ error: (iss) => `expected a duration like 250ms, 30s or 5m, got ${describeValue(iss.input)}` })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (write e.g. 250ms, 30s, 5m, 1h)` });
      return z.NEVER;
    }
    return ms;
  });

const ADDRESS = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** A `host:port` listen or dial address. */
export const address = z
  .string({ error: (iss) => `expected an address like 127.0.0.1:50051, got ${describeValue(iss.input)}` })
  .transform((text, ctx) => {
    const match = ADDRESS.exec(text);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not an address (write host:port, e.g. 127.0.0.1:50051)` });
      return z.NEVER;
    }
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });

/** A whole number of at least `min`. */
export const count = (min: number) => z.number().int().min(min);

/** Error classes the queue's `retry_on` may name (the chat Outcome enum, lower-case). */
export const QUEUE_OUTCOMES = [
  'rate_limited', 'overloaded', 'server_error', 'timeout', 'connection', 'bad_request', 'auth_failed',
  'context_too_long', 'content_refused', 'unavailable', 'stream_broken', 'malformed_response',
] as const;
export type QueueOutcome = (typeof QUEUE_OUTCOMES)[number];
/** Error classes the queue does not retry unless `retry_on` says so: the caller's mistakes and refusals. */
export const QUEUE_NOT_RETRIED: readonly string[] = ['bad_request', 'auth_failed', 'context_too_long', 'content_refused'];

/** A share or probability, 0..1. */
export const share = z.number().min(0).max(1);

/** A provider or tier name in config's spelling. */
export const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, "-" or "_"');

/** An http:// or https:// URL. */
export const url = z.string().refine((text) => /^https?:\/\/[^\s/]+/.test(text), {
  message: 'must be an http:// or https:// URL',
});

/** Outcome names in config's spelling: lower case, without the `OUTCOME_` prefix. */
export const OUTCOME_NAMES = [
  'rate_limited', 'overloaded', 'server_error', 'timeout', 'connection', 'bad_request', 'auth_failed',
  'context_too_long', 'content_refused', 'unavailable', 'cancelled', 'stream_broken', 'malformed_response',
] as const;
/** A list of outcome names. */
export const outcomes = z.array(z.enum(OUTCOME_NAMES));
/** A duration over 0 ms. */
export const longerThanZero = duration.refine((ms) => ms > 0, 'must be longer than 0');
/** A ratio in (0, 1]. */
export const ratio = z.number().gt(0).max(1);
