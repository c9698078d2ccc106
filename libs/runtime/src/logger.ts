import { pino, type Logger } from 'pino';
import { trace } from '@opentelemetry/api';
import { createLogOutput } from './log-output.ts';

export type { Logger };

/**
 * A JSON logger (pino) for one service. Keys that could hold secrets are redacted
 * wherever they appear in a logged object. Writes to `destination`, by default a
 * {@link createLogOutput} on stdout (one that never blocks an exit).
 */
export function createLogger(service: string, options: { level?: string; destination?: NodeJS.WritableStream | { write(line: string): void } } = {}): Logger {
  return pino(
    {
      name: service,
      level: options.level ?? 'info',
      base: { service, pid: process.pid },
      redact: {
        paths: ['apiKey', '*.apiKey', 'authorization', '*.authorization', 'headers.authorization', 'redisUrl', '*.redisUrl'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Trace and span ids of the active span, so a log line leads to its trace.
      mixin() {
        const ctx = trace.getActiveSpan()?.spanContext();
        return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
      },
    },
    options.destination ?? createLogOutput().stream,
  );
}
