import { Outcome } from '@ultra/contracts/chat';
import { parseResetDuration } from '../retry-after.ts';
import type { DescribeError, ErrorDetail } from '../classify.ts';
import { isRecord } from '@ultra/core';

/** google.rpc status names that decide the outcome by themselves. */
const BY_STATUS: Readonly<Record<string, Outcome>> = {
  RESOURCE_EXHAUSTED: Outcome.RATE_LIMITED,
  UNAUTHENTICATED: Outcome.AUTH_FAILED,
  PERMISSION_DENIED: Outcome.AUTH_FAILED,
  DEADLINE_EXCEEDED: Outcome.TIMEOUT,
};

/**
 * Reads Gemini's error body `{error: {code, message, status, details}}`. A bad key comes
 * as 400 INVALID_ARGUMENT with reason `API_KEY_INVALID` (AUTH_FAILED); a prompt over the
 * model's limit as 400 "input token count ... exceeds the maximum" (CONTEXT_TOO_LONG);
 * `RetryInfo.retryDelay` (for example `"25s"`) becomes the wait.
 */
export const describeGeminiError: DescribeError = (body) => {
  const error = isRecord(body) ? body['error'] : undefined;
  if (!isRecord(error)) return {};
  const status = typeof error['status'] === 'string' ? error['status'] : undefined;
  const message = typeof error['message'] === 'string' ? error['message'] : undefined;
  const details = Array.isArray(error['details']) ? error['details'].filter(isRecord) : [];
  const reasons = details.map((d) => d['reason']).filter((r): r is string => typeof r === 'string');
  const delay = details.map((d) => d['retryDelay']).find((r): r is string => typeof r === 'string');
  const detail: ErrorDetail = { message, code: reasons[0] ?? status };
  if (delay !== undefined) detail.retryAfterMs = parseResetDuration(delay);
  if (reasons.some((r) => r.startsWith('API_KEY')) || /API key (not valid|expired|invalid)/i.test(message ?? '')) {
    detail.outcome = Outcome.AUTH_FAILED;
  } else if (status !== undefined && BY_STATUS[status] !== undefined) detail.outcome = BY_STATUS[status];
  else if (status === 'UNAVAILABLE' && /overload/i.test(message ?? '')) detail.outcome = Outcome.OVERLOADED;
  return detail;
};
