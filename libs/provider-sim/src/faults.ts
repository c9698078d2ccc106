import { z } from 'zod';
import { RealisticSchema } from './realistic.ts';

/** Statuses a fault may answer with. */
export const ERROR_STATUSES = [400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504, 529] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

/**
 * Error bodies beyond the plain one for a status: `context_length` (the provider's
 * prompt-too-long error, 400 unless `errorStatus` says 413), `content_filter` (its
 * refusal: 400, or Gemini's 200 with `promptFeedback.blockReason`), `overloaded` (529 for
 * Anthropic, 503 with an "overloaded" body for the others).
 */
export const ERROR_KINDS = ['context_length', 'content_filter', 'overloaded'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** The JSON of `PUT /_sim/providers/NAME/faults`; unknown fields are rejected. */
export const FaultsSchema = z.strictObject({
  /** Share of requests (0..1) that fail. Default: 1 when errorStatus or errorKind is set, else 0. */
  errorRate: z.number().min(0).max(1).optional(),
  errorStatus: z.literal(ERROR_STATUSES).optional(),
  errorKind: z.enum(ERROR_KINDS).optional(),
  /** The wait a 429 (or a 503/529) asks for, in ms. Default for 429: 1000. */
  retryAfterMs: z.number().int().min(0).optional(),
  /** Delay before the answer starts, in ms. Default 0. */
  latencyMs: z.number().min(0).default(0),
  /** Up to this much more delay, drawn at random, in ms. Default 0. */
  jitterMs: z.number().min(0).default(0),
  /** Never answer (until the client gives up or the simulator closes). */
  hang: z.boolean().default(false),
  /** Destroy the connection without answering. */
  closeConnection: z.boolean().default(false),
  /** Destroy a stream's connection after this many text chunks. */
  cutStreamAfterChunks: z.number().int().min(0).optional(),
  /** Send this many text chunks of a stream, then nothing more, holding the connection open (a provider that stalls mid-stream). */
  stallStreamAfterChunks: z.number().int().min(0).optional(),
  /** Send truncated JSON (a whole answer, or a stream's first chunk). */
  malformedJson: z.boolean().default(false),
  /** Time before each streamed text chunk (slow tokens), in ms. Default 0. */
  chunkDelayMs: z.number().min(0).default(0),
  /** How many text chunks a stream has (fewer for short answers). Default 4. */
  chunks: z.number().int().min(1).max(1000).default(4),
  /** Realistic timing (first token, output length, tokens per second) drawn per request; `{}` for API-like defaults (realistic.ts). Default off. */
  realistic: RealisticSchema.optional(),
  /** A concurrency limit: a request arriving while this many are in flight gets a 429 at once (Retry-After `retryAfterMs`). Default none. */
  maxConcurrent: z.number().int().min(1).optional(),
});

/** Faults the way a caller gives them (fields optional). */
export type FaultsInput = z.input<typeof FaultsSchema>;
/** Faults in effect, defaults filled in. */
export type Faults = Omit<z.output<typeof FaultsSchema>, 'errorRate'> & { errorRate: number };

/** No faults at all. */
export const NO_FAULTS: Faults = Object.freeze(resolve(FaultsSchema.parse({})));

function resolve(parsed: z.output<typeof FaultsSchema>): Faults {
  const errorRate = parsed.errorRate ?? (parsed.errorStatus !== undefined || parsed.errorKind !== undefined ? 1 : 0);
  return { ...parsed, errorRate };
}

/** Validates faults; on failure the error names every bad field, e.g. `errorRate: Too big: expected number to be <=1`. */
export function parseFaults(input: unknown): { ok: true; faults: Faults } | { ok: false; error: string } {
  const parsed = FaultsSchema.safeParse(input);
  if (parsed.success) return { ok: true, faults: resolve(parsed.data) };
  const error = parsed.error.issues
    .map((issue) => {
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys.join(', ') : '';
      const where = issue.path.length > 0 ? issue.path.join('.') : keys || '(body)';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
  return { ok: false, error };
}
