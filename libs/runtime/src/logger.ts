import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * A JSON logger (pino) for one service. Keys that could hold secrets are redacted
 * wherever they appear in a logged object.
 */
export function createLogger(service: string, options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
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
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ sync: false }),
  );
}
