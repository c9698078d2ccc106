import { InvalidRequestError } from '@ultra/core';
import { Role, type ChatRequest, type Message } from '@ultra/contracts/chat';
import { DEFAULT_LIMITS, type RequestLimits } from '@ultra/config';
import { validateTools } from './tool-check.ts';

const bad = (path: string, detail: string) => new InvalidRequestError(path, detail);

/** A message's text: its content, its text parts and its tool calls' arguments. */
function textOf(m: Message): string {
  const parts = m.parts.map((p) => (p.part.case === 'text' ? p.part.value : '')).join('');
  return m.content + parts + m.toolCalls.map((c) => c.arguments).join('');
}

/**
 * Rejects a request that no provider could answer, naming the field that is wrong
 * (an `InvalidRequestError`: INVALID_ARGUMENT at the RPC edge). The router's flow checks against `config.limits`; the queue's
 * submit against the defaults ({@link DEFAULT_LIMITS}).
 */
export function validateRequest(request: ChatRequest | undefined, limits: RequestLimits = DEFAULT_LIMITS): ChatRequest {
  if (!request) throw bad('request', 'is required');
  const { messages, sampling } = request;
  if (messages.length === 0) throw bad('messages', 'at least one message is required');
  if (messages.length > limits.maxMessages) {
    throw bad('messages', `${messages.length} messages, over the limit of ${limits.maxMessages}`);
  }
  messages.forEach((m, i) => {
    if (m.role !== Role.SYSTEM && m.role !== Role.USER && m.role !== Role.ASSISTANT && m.role !== Role.TOOL) {
      throw bad(`messages[${i}].role`, 'must be system, user, assistant or tool');
    }
    const chars = textOf(m).length;
    if (chars > limits.maxMessageChars) {
      throw bad(`messages[${i}].content`, `${chars} characters, over the limit of ${limits.maxMessageChars}`);
    }
  });
  if (!messages.some((m) => m.role === Role.USER)) throw bad('messages', 'at least one user message is required');
  validateTools(request);
  const bytes = messages.reduce((n, m) => n + Buffer.byteLength(textOf(m)) + Buffer.byteLength(m.name), 0);
  if (bytes > limits.maxRequestBytes) {
    throw bad('messages', `${bytes} bytes of text, over the request limit of ${limits.maxRequestBytes} bytes`);
  }
  if (sampling) {
    const { temperature, topP, maxTokens, presencePenalty, frequencyPenalty } = sampling;
    if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) {
      throw bad('sampling.temperature', `must be between 0 and 2, got ${temperature}`);
    }
    if (topP !== undefined && !(topP >= 0 && topP <= 1)) throw bad('sampling.top_p', `must be between 0 and 1, got ${topP}`);
    if (maxTokens !== undefined && maxTokens < 1) throw bad('sampling.max_tokens', `must be at least 1, got ${maxTokens}`);
    if (maxTokens !== undefined && maxTokens > limits.maxTokens) {
      throw bad('sampling.max_tokens', `${maxTokens} is over the limit of ${limits.maxTokens}`);
    }
    for (const [name, v] of [
      ['presence_penalty', presencePenalty],
      ['frequency_penalty', frequencyPenalty],
    ] as const) {
      if (v !== undefined && !(v >= -2 && v <= 2)) throw bad(`sampling.${name}`, `must be between -2 and 2, got ${v}`);
    }
  }
  return request;
}
