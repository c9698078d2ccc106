import { Code, ConnectError } from '@connectrpc/connect';
import { NAMESPACE_PATTERN, namespaceOf } from './scope.ts';

/** Limits on what a request may carry. */
export const LIMITS = {
  /** Characters in a key, prefix, tag or config name. */
  keyLength: 512,
  /** Tags on one entry. */
  tags: 32,
  /** Characters in one tag. */
  tagLength: 256,
  /** Longest TTL, stale window or lease, in ms: 365 days. */
  maxMs: 365 * 24 * 3_600_000,
} as const;

const invalid = (message: string) => new ConnectError(message, Code.InvalidArgument);

/** A key (or prefix, tag, name) must be present and at most 512 characters. */
export function checkKey(value: string, field: string): string {
  if (value === '') throw invalid(`${field} must not be empty`);
  if (value.length > LIMITS.keyLength) {
    throw invalid(`${field} is ${value.length} characters long, over the limit of ${LIMITS.keyLength}`);
  }
  return value;
}

/** The stored namespace for a request's `namespace` (empty means the default). */
export function checkNamespace(value: string, field = 'namespace'): string {
  if (value !== '' && !NAMESPACE_PATTERN.test(value)) {
    throw invalid(`${field} "${value.slice(0, 80)}" is not a namespace (1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit)`);
  }
  return namespaceOf(value);
}

export function checkTags(tags: readonly string[], field = 'tags'): string[] {
  if (tags.length > LIMITS.tags) throw invalid(`${field} has ${tags.length} tags, over the limit of ${LIMITS.tags}`);
  tags.forEach((t, i) => {
    if (t === '') throw invalid(`${field}[${i}] must not be empty`);
    if (t.length > LIMITS.tagLength) throw invalid(`${field}[${i}] is ${t.length} characters long, over the limit of ${LIMITS.tagLength}`);
  });
  return [...new Set(tags)];
}

export function checkValue(value: Uint8Array, maxBytes: number, field = 'value'): Uint8Array {
  if (value.byteLength > maxBytes) throw invalid(`${field} is ${value.byteLength} bytes, over the limit of ${maxBytes} bytes`);
  // A copy: the decoded bytes may be a view on the whole request buffer, which the local replica must not keep alive.
  return value.slice();
}

/**
 * A duration in ms from a request: `fallback` when unset (or, with `zeroIsDefault`, 0);
 * otherwise above 0 (or 0 allowed with `allowZero`) and at most 365 days.
 */
export function checkMs(value: bigint | undefined, field: string, fallback: number, rule: { allowZero?: boolean; zeroIsDefault?: boolean } = {}): number {
  if (value === undefined || (rule.zeroIsDefault && value === 0n)) return fallback;
  if (value < 0n || (value === 0n && !rule.allowZero)) {
    throw invalid(`${field} must be ${rule.allowZero ? '0 or more' : 'above 0'} (milliseconds), got ${value}`);
  }
  if (value > BigInt(LIMITS.maxMs)) throw invalid(`${field} is ${value} ms, over the limit of ${LIMITS.maxMs} ms (365 days)`);
  return Number(value);
}
