import type { ChatRequest } from '@ultra/contracts/chat';
import { chatRole, nonEmpty, seedNumber } from '../wire-common.ts';

/** The body of `POST /chat/completions`, as far as Ultra fills it. */
export interface OpenAIChatBody {
  model: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string; name?: string }>;
  temperature?: number | undefined;
  top_p?: number | undefined;
  /**
   * `max_tokens`, not `max_completion_tokens`: every OpenAI-compatible server (Ollama,
   * vLLM, Groq, Together, OpenRouter, Azure) accepts it, and OpenAI still does for chat
   * models. (OpenAI's reasoning models want `max_completion_tokens`; not mapped yet.)
   */
  max_tokens?: number | undefined;
  stop?: string[] | undefined;
  seed?: number | undefined;
  presence_penalty?: number | undefined;
  frequency_penalty?: number | undefined;
  stream?: true;
  stream_options?: { include_usage: true };
}

/** Translates Ultra's chat request into an OpenAI chat completions body. */
export function toOpenAIRequest(model: string, request: ChatRequest, stream: boolean): OpenAIChatBody {
  const s = request.sampling;
  return {
    model,
    messages: request.messages.map((m) => ({ role: chatRole(m.role), content: m.content, ...(m.name ? { name: m.name } : {}) })),
    temperature: s?.temperature,
    top_p: s?.topP,
    max_tokens: s?.maxTokens,
    stop: nonEmpty(s?.stop),
    seed: seedNumber(s?.seed),
    presence_penalty: s?.presencePenalty,
    frequency_penalty: s?.frequencyPenalty,
    ...(stream ? { stream: true as const, stream_options: { include_usage: true as const } } : {}),
  };
}
