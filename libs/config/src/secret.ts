import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret (an API key, a Redis URL with a password). It prints as `[redacted]` through
 * `String()`, template literals, JSON and `util.inspect`, so no config dump, log line or
 * error message can show it; `reveal()` hands the value to the one place that needs it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret's value. Call it only where the value goes on the wire. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
