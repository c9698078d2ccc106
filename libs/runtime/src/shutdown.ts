import type { Clock } from '@ultra/core';

/** How a stop was asked for: a signal (SIGTERM, SIGINT) or the parent process gone (its IPC channel closed). */
export type StopCause = 'signal' | 'parent';

/** What a drain is told about its time. */
export interface DrainTime {
  /** Milliseconds left before the deadline (`shutdown.grace` after the first request); 0 once passed. */
  remainingMs(): number;
  /** Milliseconds in-flight requests may still take: the time left less {@link closeReserveMs}. */
  requestsMs(): number;
  /** Names what the drain is waiting for now (`finishing requests`, `closing clients`, ...), for the log. */
  step(name: string): void;
}

export interface ShutdownOptions {
  /** The service's name in log lines. */
  name: string;
  /** From the first request to the exit at the latest, milliseconds (`shutdown.grace`, default 10 000). */
  graceMs: number;
  clock: Clock;
  log: { info(msg: string): void; warn(msg: string): void; error(fields: object, msg: string): void };
  /** Drains the service (`reason`: what asked first); the exit status is 0 when it resolves within the deadline. */
  drain(time: DrainTime, reason: string): Promise<void>;
  /** Ends the process with this status. Called once. */
  exit(code: number): void;
}

export interface Shutdown {
  /**
   * Asks the service to stop. The first request starts the drain and the deadline; a
   * second signal exits at once (status 1); the parent going away after that changes nothing.
   */
  request(reason: string, cause?: StopCause): void;
  readonly stopping: boolean;
}

/** What is kept out of the grace for releasing clients once requests are done: 1 s, or half a shorter grace. Milliseconds. */
export function closeReserveMs(graceMs: number): number {
  return Math.min(1_000, graceMs / 2);
}

/**
 * The stop of a service process: drains within `graceMs` of the first request and then
 * exits, whatever the drain still waits for (a Redis client reconnecting, a watch stream
 * to a dead peer, an exporter with nowhere to send): at the deadline the step under way
 * is logged and the process exits with status 1.
 */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const { clock, log } = options;
  let stopping = false;
  let exited = false;
  let step = 'starting to drain';
  const exit = (code: number) => {
    if (exited) return;
    exited = true;
    options.exit(code);
  };
  return {
    get stopping() {
      return stopping;
    },
    request(reason, cause = 'signal') {
      if (stopping) {
        if (cause === 'signal') {
          log.warn(`${reason} again: exiting now`);
          exit(1);
        }
        return;
      }
      stopping = true;
      const deadline = clock.now() + options.graceMs;
      const remainingMs = () => Math.max(0, deadline - clock.now());
      const timer = clock.setTimeout(() => {
        log.warn(`${options.name} not stopped within shutdown.grace (${options.graceMs} ms), still ${step}: exiting`);
        exit(1);
      }, options.graceMs);
      const time: DrainTime = {
        remainingMs,
        requestsMs: () => Math.max(0, remainingMs() - closeReserveMs(options.graceMs)),
        step: (name) => (step = name),
      };
      options.drain(time, reason).then(
        () => {
          clock.clearTimeout(timer);
          log.info(`${options.name} stopped`);
          exit(0);
        },
        (err: unknown) => {
          clock.clearTimeout(timer);
          log.error({ err }, `${options.name} failed to stop while ${step}`);
          exit(1);
        },
      );
    },
  };
}
