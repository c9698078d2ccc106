import { Outcome } from '@ultra/contracts/chat';
import type { DescribeError, ErrorDetail } from '../classify.ts';
import { isRecord } from '@ultra/core';

/**
 * Anthropic error types that decide the outcome by themselves. Generic ones (`api_error`,
 * `not_found_error`, `invalid_request_error`) leave it to the HTTP status.
 */
const BY_TYPE: Readonly<Record<string, Outcome>> = {
  overloaded_error: Outcome.OVERLOADED,
  rate_limit_error: Outcome.RATE_LIMITED,
  authentication_error: Outcome.AUTH_FAILED,
  permission_error: Outcome.AUTH_FAILED,
  billing_error: Outcome.AUTH_FAILED,
  request_too_large: Outcome.CONTEXT_TOO_LONG,
  timeout_error: Outcome.TIMEOUT,
};

/**
 * Reads Anthropic's error body `{type: "error", error: {type, message}}` (also sent as an
 * `error` event inside a stream). An `invalid_request_error` saying "prompt is too long"
 * is CONTEXT_TOO_LONG; one blocked "by content filtering policy" is CONTENT_REFUSED.
 */
export const describeAnthropicError: DescribeError = (body) => {
  const error = isRecord(body) ? body['error'] : undefined;
  if (!isRecord(error)) return {};
  const type = typeof error['type'] === 'string' ? error['type'] : undefined;
  const message = typeof error['message'] === 'string' ? error['message'] : undefined;
  const detail: ErrorDetail = { message, code: type };
  if (type !== undefined && BY_TYPE[type] !== undefined) detail.outcome = BY_TYPE[type];
  else if (/prompt is too long|context window/i.test(message ?? '')) detail.outcome = Outcome.CONTEXT_TOO_LONG;
  else if (/content filtering|usage policy/i.test(message ?? '')) detail.outcome = Outcome.CONTENT_REFUSED;
  return detail;
};
