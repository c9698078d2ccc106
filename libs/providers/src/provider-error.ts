import { Outcome } from '@ultra/contracts/chat';

const BRAND = Symbol.for('ultra.providers.ProviderError');

/** What a {@link ProviderError} carries besides its message. */
export interface ProviderErrorInit {
  /** The class of failure, the same for every adapter. */
  outcome: Outcome;
  /** The provider name of config (not its type), for example `openai` or `local`. */
  provider: string;
  /** The HTTP status, when the provider answered with one. */
  status?: number | undefined;
  /** How long the provider asked us to wait before the next call, in milliseconds. */
  retryAfterMs?: number | undefined;
  /** The provider's own error code or type, for example `context_length_exceeded`. */
  providerCode?: string | undefined;
  /** Text streamed before the failure (set for STREAM_BROKEN, and for a timeout or cancel mid-stream). */
  partialText?: string | undefined;
  /** A sanitized underlying error; never holds request headers, URLs with keys or the key itself. */
  cause?: unknown;
}

/**
 * A failed provider call, classified once into an {@link Outcome}. Messages are short,
 * say what went wrong with which value, and never contain the API key or prompt text.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly outcome: Outcome;
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly providerCode: string | undefined;
  readonly partialText: string | undefined;
  readonly [BRAND] = true;

  constructor(message: string, init: ProviderErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.outcome = init.outcome;
    this.provider = init.provider;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.providerCode = init.providerCode;
    this.partialText = init.partialText;
  }

  /** The outcome's name without prefix, for example `RATE_LIMITED`. */
  get outcomeName(): string {
    return Outcome[this.outcome];
  }

  /** A log-friendly form. `partialText` is left out (it may echo the prompt); its length stays. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      outcome: this.outcomeName,
      provider: this.provider,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      providerCode: this.providerCode,
      partialChars: this.partialText?.length,
    };
  }
}

/** True when `e` is a {@link ProviderError}, also across duplicate copies of this module. */
export function isProviderError(e: unknown): e is ProviderError {
  return e instanceof ProviderError || (typeof e === 'object' && e !== null && BRAND in e && e[BRAND] === true);
}
