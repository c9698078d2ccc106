/**
 * A change counter that watchers can wait on without missing a change: a watcher
 * remembers the version it has seen and {@link Notifier.wait} returns at once when the
 * version has moved on since.
 */
export interface Notifier {
  readonly version: number;
  /** Records a change and wakes every waiter. */
  notify(): void;
  /** Resolves when the version differs from `seen`, or when any signal aborts. */
  wait(seen: number, ...signals: AbortSignal[]): Promise<void>;
}

export function createNotifier(): Notifier {
  let version = 0;
  const waiters = new Set<() => void>();
  return {
    get version() {
      return version;
    },
    notify() {
      version++;
      for (const wake of [...waiters]) wake();
    },
    wait(seen, ...signals) {
      if (version !== seen || signals.some((s) => s.aborted)) return Promise.resolve();
      return new Promise((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          for (const s of signals) s.removeEventListener('abort', wake);
          resolve();
        };
        waiters.add(wake);
        for (const s of signals) s.addEventListener('abort', wake);
      });
    },
  };
}
