/** Small type guards for values of unknown shape (parsed JSON, YAML, caught errors). */

/** True for a plain object (not null, not an array): a JSON object, a YAML mapping. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `code` of a Node.js system error (`ENOENT`, `EADDRINUSE`), or undefined for anything else. */
export function errnoCode(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** The message of a thrown value: an Error's `message`, else the value turned into text. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** True when `value` is one of `values` (the members of a string union, say). */
export function isOneOf<T>(values: readonly T[], value: unknown): value is T {
  return values.some((v) => v === value);
}
