import { ResponseFormatType, Role, ToolChoiceMode, type ChatRequest, type Message } from '@ultra/contracts/chat';
import { imageUrlOf, jsonOf } from '../content.ts';
import { nonEmpty, seedNumber } from '../wire-common.ts';

type OpenAIPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };
/** `extra_content` is where Google's OpenAI-compatible endpoint carries Gemini's thought signature. */
type OpenAIToolCall = { id: string; type: 'function'; function: { name: string; arguments: string }; extra_content?: { google: { thought_signature: string } } };

/** One message of `messages`: the fields Ultra fills. */
export type OpenAIMessage =
  | { role: 'system' | 'user'; content: string | OpenAIPart[]; name?: string }
  | { role: 'assistant'; content: string | null; name?: string; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; content: string; tool_call_id: string };

/** The body of `POST /chat/completions`: the fields Ultra fills. */
export interface OpenAIChatBody {
  model: string;
  messages: OpenAIMessage[];
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
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters?: unknown; strict?: boolean } }>;
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  response_format?: { type: 'text' | 'json_object' } | { type: 'json_schema'; json_schema: { name: string; description?: string; schema: unknown; strict?: boolean } };
  stream?: true;
  stream_options?: { include_usage: true };
}

function toMessage(m: Message): OpenAIMessage {
  const name = m.name ? { name: m.name } : {};
  if (m.role === Role.TOOL) return { role: 'tool', content: m.content, tool_call_id: m.toolCallId };
  if (m.role === Role.ASSISTANT) {
    const calls = m.toolCalls.map((c): OpenAIToolCall => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments || '{}' },
      ...(c.signature ? { extra_content: { google: { thought_signature: c.signature } } } : {}),
    }));
    return { role: 'assistant', content: m.content === '' && calls.length > 0 ? null : m.content, ...name, ...(calls.length > 0 ? { tool_calls: calls } : {}) };
  }
  const role = m.role === Role.SYSTEM ? 'system' : 'user';
  if (m.parts.length === 0) return { role, content: m.content, ...name };
  const parts = m.parts.map((p): OpenAIPart => {
    if (p.part.case === 'image') {
      const detail = p.part.value.detail ? { detail: p.part.value.detail } : {};
      return { type: 'image_url', image_url: { url: imageUrlOf(p.part.value), ...detail } };
    }
    return { type: 'text', text: p.part.value ?? '' };
  });
  return { role, content: parts, ...name };
}

/** Ultra's tools, tool choice and response format in OpenAI's own shapes (what the front door took in, given back). */
export function openAIToolFields(request: ChatRequest): Pick<OpenAIChatBody, 'tools' | 'tool_choice' | 'parallel_tool_calls' | 'response_format'> {
  const out: Pick<OpenAIChatBody, 'tools' | 'tool_choice' | 'parallel_tool_calls' | 'response_format'> = {};
  if (request.tools.length > 0) {
    out.tools = request.tools.map((t) => ({
      type: 'function' as const,
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        ...(t.parameters ? { parameters: jsonOf(t.parameters) } : {}),
        ...(t.strict !== undefined ? { strict: t.strict } : {}),
      },
    }));
  }
  const choice = request.toolChoice;
  if (choice?.mode === ToolChoiceMode.AUTO) out.tool_choice = 'auto';
  if (choice?.mode === ToolChoiceMode.NONE) out.tool_choice = 'none';
  if (choice?.mode === ToolChoiceMode.REQUIRED) out.tool_choice = 'required';
  if (choice?.mode === ToolChoiceMode.FUNCTION) out.tool_choice = { type: 'function', function: { name: choice.functionName } };
  if (request.parallelToolCalls !== undefined && request.tools.length > 0) out.parallel_tool_calls = request.parallelToolCalls;
  const f = request.responseFormat;
  if (f?.type === ResponseFormatType.JSON_OBJECT) out.response_format = { type: 'json_object' };
  if (f?.type === ResponseFormatType.JSON_SCHEMA) {
    out.response_format = {
      type: 'json_schema',
      json_schema: { name: f.name, ...(f.description ? { description: f.description } : {}), schema: jsonOf(f.schema), ...(f.strict !== undefined ? { strict: f.strict } : {}) },
    };
  }
  return out;
}

/** Translates Ultra's chat request into an OpenAI chat completions body: tools, formats and images pass through unchanged. */
export function toOpenAIRequest(model: string, request: ChatRequest, stream: boolean): OpenAIChatBody {
  const s = request.sampling;
  return {
    model,
    messages: request.messages.map(toMessage),
    temperature: s?.temperature,
    top_p: s?.topP,
    max_tokens: s?.maxTokens,
    stop: nonEmpty(s?.stop),
    seed: seedNumber(s?.seed),
    presence_penalty: s?.presencePenalty,
    frequency_penalty: s?.frequencyPenalty,
    ...openAIToolFields(request),
    ...(stream ? { stream: true as const, stream_options: { include_usage: true as const } } : {}),
  };
}
