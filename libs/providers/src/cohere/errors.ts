import { Outcome } from '@ultra/contracts/chat';
import type { DescribeError, ErrorDetail } from '../classify.ts';
import { isRecord } from '@ultra/core';

/**
 * Reads Cohere's error body `{message}` (sometimes with `id`). "too many tokens: total
 * number of tokens in the prompt ..." or "... size limit exceeded" is CONTEXT_TOO_LONG
 * (while "too many tokens: max tokens must be ..." is a plain BAD_REQUEST); a message
 * about safety guardrails or blocked content is CONTENT_REFUSED.
 */
export const describeCohereError: DescribeError = (body) => {
  if (!isRecord(body)) return {};
  const message = typeof body['message'] === 'string' ? body['message'] : undefined;
  const detail: ErrorDetail = { message };
  if (message === undefined) return detail;
  if (/too many tokens: max tokens/i.test(message)) detail.outcome = Outcome.BAD_REQUEST;
  else if (/too many tokens|size limit exceeded|context length/i.test(message)) detail.outcome = Outcome.CONTEXT_TOO_LONG;
  else if (/safety|guardrail|blocked/i.test(message)) detail.outcome = Outcome.CONTENT_REFUSED;
  return detail;
};
