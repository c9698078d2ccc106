import { Role, type ChatRequest, type Message } from '@ultra/contracts/chat';
import { inlineImage, jsonOf, textOf, urlOf } from '../content.ts';
import { nonEmpty, splitSystem } from '../wire-common.ts';
import { toAnthropicTools, type AnthropicToolFields } from './tools.ts';

/**
 * `max_tokens` is required by the Messages API; when the request leaves it unset Ultra
 * sends this many (tokens).
 */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

type Block =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string | undefined } }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string };

/** One turn of `messages`: text alone, or content blocks. */
export type AnthropicMessage = { role: 'user' | 'assistant'; content: string | Block[] };

/** The body of `POST /v1/messages`: the fields Ultra fills. */
export interface AnthropicMessagesBody extends AnthropicToolFields {
  model: string;
  max_tokens: number;
  /** All system messages, joined by a blank line; left out when there are none. */
  system?: string | undefined;
  messages: AnthropicMessage[];
  temperature?: number | undefined;
  top_p?: number | undefined;
  stop_sequences?: string[] | undefined;
  stream?: true;
}

function blocksOf(m: Message): Block[] {
  if (m.role === Role.TOOL) return [{ type: 'tool_result', tool_use_id: m.toolCallId, content: textOf(m) }];
  const blocks: Block[] = m.parts.map((p): Block => {
    if (p.part.case !== 'image') return { type: 'text', text: p.part.value ?? '' };
    const inline = inlineImage(p.part.value);
    if (inline) return { type: 'image', source: { type: 'base64', media_type: inline.mimeType, data: inline.base64 } };
    return { type: 'image', source: { type: 'url', url: urlOf(p.part.value) } };
  });
  if (m.parts.length === 0 && m.content !== '') blocks.push({ type: 'text', text: m.content });
  for (const c of m.toolCalls) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: jsonOf(c.arguments) });
  return blocks;
}

/**
 * The turns, in the Messages API's rules: tool results are `tool_result` blocks of a user
 * turn, first in it, right after the assistant turn that made the calls; consecutive
 * messages of one role (several tool results, a result then the user's text) become one
 * turn. A turn of one text block is sent as plain text.
 */
export function toAnthropicMessages(turns: readonly Message[]): AnthropicMessage[] {
  const out: Array<{ role: 'user' | 'assistant'; content: Block[] }> = [];
  for (const m of turns) {
    const role = m.role === Role.ASSISTANT ? 'assistant' : 'user';
    const blocks = blocksOf(m);
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  }
  return out.map((t) => {
    t.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
    const only = t.content[0];
    return t.content.length === 1 && only?.type === 'text' ? { role: t.role, content: only.text } : t;
  });
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
    messages: toAnthropicMessages(turns),
    temperature: s?.temperature,
    top_p: s?.topP,
    stop_sequences: nonEmpty(s?.stop),
    ...toAnthropicTools(model, request),
    ...(stream ? { stream: true as const } : {}),
  };
}
