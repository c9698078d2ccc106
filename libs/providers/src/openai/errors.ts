import { Outcome } from '@ultra/contracts/chat';
import type { DescribeError, ErrorDetail } from '../classify.ts';
import { isRecord } from '@ultra/core';

const CONTEXT_CODES = new Set(['context_length_exceeded', 'string_above_max_length']);
const REFUSAL_CODES = new Set(['content_filter', 'content_policy_violation', 'ResponsibleAIPolicyViolation']);
const AUTH_CODES = new Set(['invalid_api_key', 'invalid_organization']);

/**
 * Reads OpenAI's error body `{error: {message, type, param, code}}`, and the variants of
 * OpenAI-compatible servers: `{error: "text"}` (Ollama), `{message, type, code}` (vLLM),
 * `{detail: "text"}` (FastAPI-based servers).
 */
export const describeOpenAIError: DescribeError = (body) => {
  if (!isRecord(body)) return {};
  const inner = body['error'];
  const source = isRecord(inner) ? inner : body;
  const message = text(source['message']) ?? text(inner) ?? text(body['detail']);
  const code = text(source['code']) ?? text(source['type']);
  const type = text(source['type']);
  const detail: ErrorDetail = { message, code };
  const codes = [code, type].filter((c): c is string => c !== undefined);
  if (codes.some((c) => CONTEXT_CODES.has(c))) detail.outcome = Outcome.CONTEXT_TOO_LONG;
  else if (codes.some((c) => REFUSAL_CODES.has(c))) detail.outcome = Outcome.CONTENT_REFUSED;
  else if (codes.some((c) => AUTH_CODES.has(c))) detail.outcome = Outcome.AUTH_FAILED;
  return detail;
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
