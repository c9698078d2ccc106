import type { SimAnswer } from '../answer.ts';
import type { SimTools } from '../tools/types.ts';
import { isRecord } from '@ultra/core';

/**
 * Reads what an OpenAI Chat Completions body carries besides text, insisting on what the
 * API insists on: `tools[].type` is `function` with a `function.name`; a `tool` message
 * answers a `tool_call_id` of the assistant message just before the tool messages; every
 * tool call of an assistant message is answered before the next non-tool message;
 * `image_url.url` is given; `json_schema` has a name. A string is the 400's message.
 */
export function readOpenAITools(body: Record<string, unknown>): SimTools | string {
  const tools: Array<{ name: string; parameters: unknown }> = [];
  if (body['tools'] !== undefined) {
    if (!Array.isArray(body['tools'])) return "Invalid type for 'tools': expected an array";
    for (const [i, t] of body['tools'].entries()) {
      if (!isRecord(t) || t['type'] !== 'function') return `Invalid value for 'tools[${i}].type': expected 'function'.`;
      const fn = t['function'];
      if (!isRecord(fn) || typeof fn['name'] !== 'string') return `Missing required parameter: 'tools[${i}].function.name'.`;
      tools.push({ name: fn['name'], parameters: fn['parameters'] });
    }
  }
  const choiceRaw = body['tool_choice'];
  const choice = typeof choiceRaw === 'string' ? choiceRaw : isRecord(choiceRaw) && isRecord(choiceRaw['function']) ? String(choiceRaw['function']['name']) : 'auto';
  if (choiceRaw !== undefined && tools.length === 0) return "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.";
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  let open = new Set<string>();
  let images = 0;
  let toolResult: string | undefined;
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m)) continue;
    if (m['role'] === 'tool') {
      const id = m['tool_call_id'];
      if (typeof id !== 'string' || !open.has(id)) {
        return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. (messages[${i}].tool_call_id ${JSON.stringify(id)})`;
      }
      open.delete(id);
      toolResult = typeof m['content'] === 'string' ? m['content'] : JSON.stringify(m['content']);
      continue;
    }
    if (open.size > 0) {
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`;
    }
    toolResult = undefined;
    if (m['role'] === 'assistant' && Array.isArray(m['tool_calls'])) {
      open = new Set(m['tool_calls'].map((c) => (isRecord(c) ? String(c['id']) : '')));
    }
    if (Array.isArray(m['content'])) {
      for (const [j, p] of m['content'].entries()) {
        if (!isRecord(p) || p['type'] !== 'image_url') continue;
        if (!isRecord(p['image_url']) || typeof p['image_url']['url'] !== 'string') return `Missing required parameter: 'messages[${i}].content[${j}].image_url.url'.`;
        images++;
      }
    }
  }
  if (open.size > 0) return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`;
  const format = body['response_format'];
  let json: SimTools['json'];
  if (isRecord(format) && format['type'] === 'json_object') json = { schema: undefined };
  if (isRecord(format) && format['type'] === 'json_schema') {
    const spec = format['json_schema'];
    if (!isRecord(spec) || typeof spec['name'] !== 'string') return "Missing required parameter: 'response_format.json_schema.name'.";
    json = { schema: spec['schema'] };
  }
  return { tools, choice, json, images, toolResult };
}

/** `choices[0].message` of a tool-call answer. */
export function openAIToolMessage(a: SimAnswer) {
  return {
    role: 'assistant',
    content: null,
    refusal: null,
    tool_calls: (a.toolCalls ?? []).map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } })),
  };
}

/** The stream chunks' `delta.tool_calls` of a tool-call answer: id and name first, then the arguments in two fragments. */
export function openAIToolDeltas(a: SimAnswer): unknown[][] {
  return (a.toolCalls ?? []).flatMap((c, index) => {
    const args = JSON.stringify(c.input);
    const half = Math.ceil(args.length / 2);
    return [
      [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }],
      [{ index, function: { arguments: args.slice(0, half) } }],
      [{ index, function: { arguments: args.slice(half) } }],
    ];
  });
}
