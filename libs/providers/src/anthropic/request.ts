import { Role, type ChatRequest } from '@ultra/contracts/chat';
import { nonEmpty, splitSystem } from '../wire-common.ts';

/**
 * `max_tokens` is required by the Messages API; when the request leaves it unset Ultra
 * sends this many (tokens).
 */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

/** The body of `POST /v1/messages`, as far as Ultra fills it. */
export interface AnthropicMessagesBody {
  model: string;
  max_tokens: number;
  /** All system messages, joined by a blank line; left out when there are none. */
  system?: string | undefined;
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  temperature?: number | undefined;
  top_p?: number | undefined;
  stop_sequences?: string[] | undefined;
  stream?: true;
}

/**
 * Translates Ultra's chat request into a Messages API body. The API has no seed,
 * presence or frequency penalty: those are dropped; participant names are dropped too.
 */
export function toAnthropicRequest(model: string, request: ChatRequest, stream: boolean): AnthropicMessagesBody {
  const s = request.sampling;
  const { system, turns } = splitSystem(request.messages);
  return {
    model,
    max_tokens: s?.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    system: system || undefined,
    messages: turns.map((m) => ({ role: m.role === Role.ASSISTANT ? 'assistant' : 'user', content: m.content })),
    temperature: s?.temperature,
    top_p: s?.topP,
    stop_sequences: nonEmpty(s?.stop),
    ...(stream ? { stream: true as const } : {}),
  };
}
