import { ResponseFormatType, Role, ToolChoiceMode, type ChatRequest, type Message } from '@ultra/contracts/chat';
import { imageUrlOf, jsonOf, textOf } from '../content.ts';
import { nonEmpty, seedNumber } from '../wire-common.ts';

type CohereToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };
type CoherePart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };

/** One entry of `messages`: the fields Ultra fills. */
export type CohereMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | CoherePart[] }
  | { role: 'assistant'; content?: string; tool_calls?: CohereToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** The body of Chat v2 `POST /v2/chat`: the fields Ultra fills. */
export interface CohereChatBody {
  model: string;
  messages: CohereMessage[];
  temperature?: number | undefined;
  /** Top-p is called `p` in Cohere's API. */
  p?: number | undefined;
  max_tokens?: number | undefined;
  stop_sequences?: string[] | undefined;
  seed?: number | undefined;
  presence_penalty?: number | undefined;
  frequency_penalty?: number | undefined;
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters: unknown } }>;
  /** Cohere has `REQUIRED` and `NONE`; unset means the model decides. */
  tool_choice?: 'REQUIRED' | 'NONE';
  strict_tools?: boolean;
  response_format?: { type: 'json_object'; json_schema?: unknown };
  stream?: true;
}

function toMessage(m: Message): CohereMessage {
  if (m.role === Role.SYSTEM) return { role: 'system', content: textOf(m) };
  if (m.role === Role.TOOL) return { role: 'tool', tool_call_id: m.toolCallId, content: textOf(m) };
  if (m.role === Role.ASSISTANT) {
    const calls = m.toolCalls.map((c): CohereToolCall => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments || '{}' } }));
    return { role: 'assistant', ...(m.content !== '' || calls.length === 0 ? { content: m.content } : {}), ...(calls.length > 0 ? { tool_calls: calls } : {}) };
  }
  if (m.parts.length === 0) return { role: 'user', content: m.content };
  const parts = m.parts.map((p): CoherePart =>
    p.part.case === 'image' ? { type: 'image_url', image_url: { url: imageUrlOf(p.part.value), ...(p.part.value.detail ? { detail: p.part.value.detail } : {}) } } : { type: 'text', text: p.part.value ?? '' },
  );
  return { role: 'user', content: parts };
}

/**
 * Tools, tool choice and JSON formats in Chat v2's form. Cohere's `tool_choice` has no
 * "this function": a forced function is sent as that one tool with `REQUIRED`.
 * `parallel_tool_calls` has no Cohere switch and is not sent; `strict` on any tool turns
 * on `strict_tools`.
 */
function toolFields(request: ChatRequest): Pick<CohereChatBody, 'tools' | 'tool_choice' | 'strict_tools' | 'response_format'> {
  const out: Pick<CohereChatBody, 'tools' | 'tool_choice' | 'strict_tools' | 'response_format'> = {};
  const c = request.toolChoice;
  const chosen = c?.mode === ToolChoiceMode.FUNCTION ? request.tools.filter((t) => t.name === c.functionName) : request.tools;
  if (chosen.length > 0) {
    out.tools = chosen.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters ? jsonOf(t.parameters) : { type: 'object', properties: {} } },
    }));
    if (c?.mode === ToolChoiceMode.REQUIRED || c?.mode === ToolChoiceMode.FUNCTION) out.tool_choice = 'REQUIRED';
    if (c?.mode === ToolChoiceMode.NONE) out.tool_choice = 'NONE';
    if (chosen.some((t) => t.strict === true)) out.strict_tools = true;
  }
  const f = request.responseFormat;
  if (f?.type === ResponseFormatType.JSON_OBJECT) out.response_format = { type: 'json_object' };
  if (f?.type === ResponseFormatType.JSON_SCHEMA) out.response_format = { type: 'json_object', ...(f.schema ? { json_schema: jsonOf(f.schema) } : {}) };
  return out;
}

/** Translates Ultra's chat request into a Chat v2 body (system messages stay in `messages`). */
export function toCohereRequest(model: string, request: ChatRequest, stream: boolean): CohereChatBody {
  const s = request.sampling;
  return {
    model,
    messages: request.messages.map(toMessage),
    temperature: s?.temperature,
    p: s?.topP,
    max_tokens: s?.maxTokens,
    stop_sequences: nonEmpty(s?.stop),
    seed: seedNumber(s?.seed),
    presence_penalty: s?.presencePenalty,
    frequency_penalty: s?.frequencyPenalty,
    ...toolFields(request),
    ...(stream ? { stream: true as const } : {}),
  };
}
