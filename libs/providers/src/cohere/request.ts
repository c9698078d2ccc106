import type { ChatRequest } from '@ultra/contracts/chat';
import { chatRole, nonEmpty, seedNumber } from '../wire-common.ts';

/** The body of Chat v2 `POST /v2/chat`, as far as Ultra fills it. */
export interface CohereChatBody {
  model: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  temperature?: number | undefined;
  /** Top-p is called `p` in Cohere's API. */
  p?: number | undefined;
  max_tokens?: number | undefined;
  stop_sequences?: string[] | undefined;
  seed?: number | undefined;
  presence_penalty?: number | undefined;
  frequency_penalty?: number | undefined;
  stream?: true;
}

/** Translates Ultra's chat request into a Chat v2 body (system messages stay in `messages`). */
export function toCohereRequest(model: string, request: ChatRequest, stream: boolean): CohereChatBody {
  const s = request.sampling;
  return {
    model,
    messages: request.messages.map((m) => ({ role: chatRole(m.role), content: m.content })),
    temperature: s?.temperature,
    p: s?.topP,
    max_tokens: s?.maxTokens,
    stop_sequences: nonEmpty(s?.stop),
    seed: seedNumber(s?.seed),
    presence_penalty: s?.presencePenalty,
    frequency_penalty: s?.frequencyPenalty,
    ...(stream ? { stream: true as const } : {}),
  };
}
