import { write } from 'node:fs';

/** Where a service's log lines go: written in the background, never blocking the process. */
export interface LogOutput {
  /** What pino writes to (`pino(options, output.stream)`). */
  readonly stream: { write(line: string): void };
  /** True once a write failed (the reader went away: EPIPE; or any other error): lines are dropped from then on. */
  readonly broken: boolean;
  /** Resolves once every line so far is written, the output broke, or `ms` milliseconds passed. Never rejects. */
  drain(ms: number): Promise<void>;
  /** Drops what is still queued and every line after it, so that exiting waits on nothing. */
  abandon(): void;
}

export interface LogOutputOptions {
  /** Lines queued beyond this many bytes (a reader not keeping up) are dropped and counted. Default 4 MiB. */
  maxQueuedBytes?: number;
}

/**
 * Log lines to file descriptor `fd` (default 1, stdout), one `fs.write` at a time off the
 * event loop. Unlike pino's default destination (sonic-boom), nothing here writes
 * synchronously at exit: sonic-boom's exit hook retries a failed write every 100 ms for as
 * long as it fails, so a service whose stdout reader is gone (its supervisor killed) hung
 * in `process.exit` forever. Here a failed write (EPIPE or any other) marks the output
 * broken and later lines are dropped; `drain` bounds the wait for what is queued.
 */
export function createLogOutput(fd = 1, options: LogOutputOptions = {}): LogOutput {
  const maxQueued = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  let queue: Buffer[] = [];
  let queued = 0;
  let dropped = 0;
  let writing = false;
  let broken = false;
  const idle = new Set<() => void>();
  const settle = () => {
    for (const resolve of idle) resolve();
    idle.clear();
  };
  const pump = () => {
    if (writing) return;
    if (broken || queue.length === 0) return settle();
    if (dropped > 0) {
      queue.unshift(Buffer.from(`{"level":40,"msg":"${dropped} log lines dropped: the output did not keep up"}\n`));
      dropped = 0;
    }
    const chunk = queue.length === 1 ? queue[0]! : Buffer.concat(queue);
    queue = [];
    queued = 0;
    writing = true;
    write(fd, chunk, (err, written) => {
      writing = false;
      if (err?.code === 'EAGAIN') {
        // A non-blocking descriptor that is full for now: try again shortly.
        queue.unshift(chunk);
        queued += chunk.length;
        setTimeout(pump, 20).unref();
        return;
      }
      if (err) {
        broken = true;
        queue = [];
        return settle();
      }
      if (written < chunk.length) {
        queue.unshift(chunk.subarray(written));
        queued += chunk.length - written;
      }
      pump();
    });
  };
  return {
    stream: {
      write(line) {
        if (broken) return;
        const bytes = Buffer.from(line);
        if (queued + bytes.length > maxQueued) {
          dropped++;
          return;
        }
        queue.push(bytes);
        queued += bytes.length;
        pump();
      },
    },
    get broken() {
      return broken;
    },
    drain(ms) {
      if (broken || (!writing && queue.length === 0)) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          idle.delete(done);
          resolve();
        }
        idle.add(done);
      });
    },
    abandon() {
      broken = true;
      queue = [];
      settle();
    },
  };
}
