/** A configuration that cannot be used. `problems` holds one `path: what is wrong` line each. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  readonly source: string;

  constructor(source: string, problems: readonly string[]) {
    super(`invalid config (${source}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

export function isConfigError(e: unknown): e is ConfigError {
  return e instanceof ConfigError;
}
