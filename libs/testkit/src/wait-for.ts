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
