import { parseArgs } from 'node:util';

/** Command-line options of `npm run toxiproxy`. */
export interface CliArgs {
  /** API interface. Default `127.0.0.1`. */
  readonly host: string;
  /** API port. Default 8474. */
  readonly port: number;
  /** JSON file of proxies to create at start (the `/populate` format), like `toxiproxy-server -config`. */
  readonly config: string | undefined;
  /** Seed for jitter, slicer and toxicity draws; unset draws from `Math.random`. */
  readonly seed: number | undefined;
  readonly help: boolean;
}

/** Usage text for `--help`. */
export const usage = `usage: npm run toxiproxy -- [--port 8474] [--host 127.0.0.1] [--config proxies.json] [--seed N]`;

function integer(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Parses `argv` (without node and script); throws an Error naming the bad flag and value. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      config: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  return Object.freeze({
    host: values.host ?? '127.0.0.1',
    port: integer('port', values.port, 0, 65535) ?? 8474,
    config: values.config,
    seed: integer('seed', values.seed, -(2 ** 31), 2 ** 32 - 1),
    help: values.help ?? false,
  });
}
