import { z } from 'zod';
import { PRIORITIES, type PriorityName } from './modes.ts';

/** One client key in the form the config holds: only its SHA-256, never the key. */
export interface ClientKey {
  /** A name for logs and metrics (never the key). */
  readonly name: string;
  /** SHA-256 of the key, 32 bytes. */
  readonly hash: Uint8Array;
  /** Cache entries and jobs are namespaced by tenant. Default: the key's name. */
  readonly tenant: string;
  /** Models or aliases this key may ask for; empty: all. */
  readonly models: readonly string[];
  /** The highest priority this key may ask for; higher asks are lowered to it. */
  readonly maxPriority: PriorityName;
  /** May call admin RPCs (force breaker, pin mode, redrive dead letters, invalidate cache). */
  readonly admin: boolean;
  /** Per-key limits across all routers; 0 means none. */
  readonly requestsPerMinute: number;
  readonly tokensPerMinute: number;
  readonly concurrency: number;
  readonly concurrentStreams: number;
}

/** Limits on what any request may carry. */
export interface RequestLimits {
  readonly maxRequestBytes: number;
  readonly maxMessages: number;
  readonly maxMessageChars: number;
  readonly maxTokens: number;
  readonly maxStreamDurationMs: number;
}

/**
 * The limits that ship (config `limits:`): 20 MiB a request, 1000 messages of up to
 * 1,000,000 characters, 32,768 max_tokens, 10-minute streams. 20 MiB lets a request carry
 * photos inline as base64 (a 1.5 MB JPEG is a 2 MB body), as the providers accept them
 * (Gemini's inline data up to 20 MB a request; Anthropic 32 MB; OpenAI 50 MB of images).
 */
export const DEFAULT_LIMITS: RequestLimits = Object.freeze({
  maxRequestBytes: 20 * 1024 * 1024,
  maxMessages: 1000,
  maxMessageChars: 1_000_000,
  maxTokens: 32_768,
  maxStreamDurationMs: 600_000,
});

const HASH = /^sha256:([0-9a-f]{64})$/;

export const keySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, ".", "_" or "-"'),
  hash: z.string().regex(HASH, 'must be "sha256:" and 64 lower-case hex digits (print one with: npx ultra hash-key)'),
  tenant: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, ".", "_" or "-"').optional(),
  models: z.array(z.string().min(1)).default([]),
  max_priority: z.enum(PRIORITIES).default('high'),
  admin: z.boolean().default(false),
  requests_per_minute: z.number().int().min(0).default(0),
  tokens_per_minute: z.number().int().min(0).default(0),
  concurrency: z.number().int().min(0).default(0),
  concurrent_streams: z.number().int().min(0).default(0),
});

export const authSchema = z
  .strictObject({
    keys: z.array(keySchema).default([]),
    /** An absolute path to a YAML list of more keys in the same form, e.g. a mounted Secret (keys-file.ts). */
    keys_file: z.string().refine((p) => p.startsWith('/'), 'must be an absolute path, e.g. /etc/ultra/keys/keys.yaml').optional(),
  })
  .prefault({});

export const limitsSchema = (duration: z.ZodType<number, string>) =>
  z
    .strictObject({
      max_request_bytes: z.number().int().min(1024).default(DEFAULT_LIMITS.maxRequestBytes),
      max_messages: z.number().int().min(1).default(DEFAULT_LIMITS.maxMessages),
      max_message_chars: z.number().int().min(1).default(DEFAULT_LIMITS.maxMessageChars),
      max_tokens: z.number().int().min(1).default(DEFAULT_LIMITS.maxTokens),
      max_stream_duration: duration.default(DEFAULT_LIMITS.maxStreamDurationMs),
    })
    .prefault({});

export function resolveKeys(keys: z.output<typeof authSchema>['keys']): ClientKey[] {
  return keys.map((k) => ({
    name: k.name,
    hash: Buffer.from(HASH.exec(k.hash)![1]!, 'hex'),
    tenant: k.tenant ?? k.name,
    models: k.models,
    maxPriority: k.max_priority,
    admin: k.admin,
    requestsPerMinute: k.requests_per_minute,
    tokensPerMinute: k.tokens_per_minute,
    concurrency: k.concurrency,
    concurrentStreams: k.concurrent_streams,
  }));
}

export function resolveLimits(l: z.output<ReturnType<typeof limitsSchema>>): RequestLimits {
  return {
    maxRequestBytes: l.max_request_bytes,
    maxMessages: l.max_messages,
    maxMessageChars: l.max_message_chars,
    maxTokens: l.max_tokens,
    maxStreamDurationMs: l.max_stream_duration,
  };
}
