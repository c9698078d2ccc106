/**
 * A request an adapter cannot put into its provider's form without changing what it
 * asks (a JSON Schema feature Gemini's subset lacks, say). The adapter turns it into a
 * BAD_REQUEST ProviderError naming the field, instead of sending something else.
 */
export class UnsupportedRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedRequestError';
  }
}

export function isUnsupportedRequest(e: unknown): e is UnsupportedRequestError {
  return e instanceof UnsupportedRequestError;
}
