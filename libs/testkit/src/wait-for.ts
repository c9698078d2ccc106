/**
 * Polls `condition` until it holds, every `intervalMs` (default 5), for at most
 * `timeoutMs` (default 5000); resolves with the milliseconds it took, rejects naming
 * `what` when time runs out. For waiting on another process or socket, never for
 * time-based behaviour (use a ManualClock for that).
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const start = performance.now();
  for (;;) {
    if (await condition()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 5));
  }
}

/**
 * Calls `probe` every 100 ms until `ok` holds of its value, for at most `ms` (default
 * 20 000); resolves with that value, rejects naming `what` and the last value seen. For
 * waiting on what another process reports (a mode, a breaker), never for time-based
 * behaviour (use a ManualClock for that).
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
}
