/**
 * An error the Toxiproxy HTTP API answers with: serialized exactly like the Go server's
 * `ApiError`, `{"error": "<message>", "status": <code>}`.
 */
export class ApiError extends Error {
  /** HTTP status code sent with the error body. */
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }

  /** A copy whose message is `<this message>: <detail>`, like Go's `joinError`. */
  withDetail(detail: string): ApiError {
    return new ApiError(`${this.message}: ${detail}`, this.status);
  }

  /** The JSON body the real server writes for this error. */
  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** Wraps any other failure as a 500, as the Go server does for errors without a status. */
export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return e;
  return new ApiError(e instanceof Error ? e.message : String(e), 500);
}

/** The fixed errors of Toxiproxy v2 (`api.go`), same text and status. */
export const errors = {
  badRequestBody: new ApiError('bad request body', 400),
  missingField: new ApiError('missing required field', 400),
  proxyNotFound: new ApiError('proxy not found', 404),
  proxyAlreadyExists: new ApiError('proxy already exists', 409),
  invalidStream: new ApiError('stream was invalid, can be either upstream or downstream', 400),
  invalidToxicType: new ApiError('invalid toxic type', 400),
  toxicAlreadyExists: new ApiError('toxic already exists', 409),
  toxicNotFound: new ApiError('toxic not found', 404),
} as const;
