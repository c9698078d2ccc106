/**
 * Tiny guards for values whose type is not known yet: parsed JSON, what a `catch` caught,
 * what a library hands back as `unknown`. Narrow with these instead of casting.
 */

/** True for a non-null, non-array object, whose fields can then be read as `unknown`. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `value` is one of `values` (the members of a string union, say). */
export function isOneOf<T>(values: readonly T[], value: unknown): value is T {
  return values.some((v) => v === value);
}

/** The message of something thrown: an Error's own message, anything else as text. */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/** The Node error code of something thrown (`ENOENT`, `ECONNREFUSED`), if it carries one. */
export function errorCode(thrown: unknown): string | undefined {
  return thrown instanceof Error && 'code' in thrown && typeof thrown.code === 'string' ? thrown.code : undefined;
}
