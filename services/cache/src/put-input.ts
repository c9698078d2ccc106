import type { Entry } from './entry.ts';
import { scopeKey } from './scope.ts';
import { checkKey, checkMs, checkNamespace, checkTags, checkValue } from './validate.ts';

/** The fields of a Put (or of one Warm entry) that make an entry. */
export interface PutInput {
  key: string;
  namespace: string;
  value: Uint8Array;
  ttlMs?: bigint | undefined;
  staleMs?: bigint | undefined;
  tags: readonly string[];
}

/** What applies when a Put leaves something out, and the size limit. */
export interface EntryDefaults {
  /** Default TTL, ms. */
  ttlMs: number;
  /** Default stale window, ms. */
  staleMs: number;
  /** Largest value, bytes. */
  maxValueBytes: number;
}

/**
 * Checks a Put's fields (INVALID_ARGUMENT naming the field and the limit) and makes the
 * entry it stores. `field` prefixes field names in messages, e.g. `entries[3].`.
 */
export function toEntry(input: PutInput, d: EntryDefaults, now: number, field = ''): { scoped: string; entry: Entry } {
  const key = checkKey(input.key, `${field}key`);
  const namespace = checkNamespace(input.namespace, `${field}namespace`);
  const value = checkValue(input.value, d.maxValueBytes, `${field}value`);
  const ttl = checkMs(input.ttlMs, `${field}ttl_ms`, d.ttlMs);
  const stale = checkMs(input.staleMs, `${field}stale_ms`, d.staleMs, { allowZero: true });
  const tags = checkTags(input.tags, `${field}tags`);
  return {
    scoped: scopeKey(namespace, key),
    entry: { value, storedAt: now, expiresAt: now + ttl, staleUntil: now + ttl + stale, tags },
  };
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
