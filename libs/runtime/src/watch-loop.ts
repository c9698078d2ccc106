import type { Clock } from '@ultra/core';

/**
 * Keeps a server stream subscribed: runs `consume` and, whenever it ends or fails,
 * calls `onLost` and starts again after `retryMs`, until `signal` aborts.
 */
export function keepWatching(options: {
  consume: (signal: AbortSignal) => Promise<void>;
  onLost: (err: unknown) => void;
  clock: Clock;
  retryMs: number;
  signal: AbortSignal;
}): void {
  const { clock, signal } = options;
  const run = () => {
    if (signal.aborted) return;
    options.consume(signal).then(
      () => options.onLost(undefined),
      (err: unknown) => options.onLost(err),
    ).finally(() => {
      if (!signal.aborted) clock.setTimeout(run, options.retryMs);
    });
  };
  run();
}
