import type { SimAnswer } from '../answer.ts';
import type { SimTools } from '../tools/types.ts';
import { isRecord } from '@ultra/core';
import { contentText } from './common.ts';

/**
 * Reads what a Chat v2 body carries besides text, insisting on what the API insists on:
 * tools are `{type: "function", function: {name, parameters}}`; `tool_choice` is
 * `REQUIRED` or `NONE`; a `tool` message's `tool_call_id` is a call of an earlier
 * assistant message; `response_format` is `json_object` (with an optional `json_schema`);
 * `image_url` parts have a url. A string is the 400's message.
 */
export function readCohereTools(body: Record<string, unknown>): SimTools | string {
  const tools: Array<{ name: string; parameters: unknown }> = [];
  for (const [i, t] of (Array.isArray(body['tools']) ? body['tools'] : []).entries()) {
    if (!isRecord(t) || t['type'] !== 'function' || !isRecord(t['function']) || typeof t['function']['name'] !== 'string') {
      return `invalid request: tools[${i}] must be {"type": "function", "function": {"name": ..., "parameters": ...}}`;
    }
    tools.push({ name: t['function']['name'], parameters: t['function']['parameters'] });
  }
  const tc = body['tool_choice'];
  if (tc !== undefined && tc !== 'REQUIRED' && tc !== 'NONE') return `invalid request: tool_choice must be one of REQUIRED, NONE; received ${JSON.stringify(tc)}`;
  if (tc !== undefined && tools.length === 0) return 'invalid request: tool_choice requires tools';
  const calls = new Set<string>();
  let images = 0;
  let toolResult: string | undefined;
  for (const [i, m] of (Array.isArray(body['messages']) ? body['messages'] : []).entries()) {
    if (!isRecord(m)) continue;
    if (m['role'] === 'tool') {
      if (!calls.has(String(m['tool_call_id']))) return `invalid request: messages[${i}].tool_call_id ${JSON.stringify(m['tool_call_id'])} does not match any tool call of an earlier assistant message`;
      toolResult = contentText(m['content']) ?? '';
      continue;
    }
    toolResult = undefined;
    if (m['role'] === 'assistant' && Array.isArray(m['tool_calls'])) for (const c of m['tool_calls']) if (isRecord(c)) calls.add(String(c['id']));
    for (const p of Array.isArray(m['content']) ? m['content'].filter(isRecord) : []) {
      if (p['type'] !== 'image_url') continue;
      if (!isRecord(p['image_url']) || typeof p['image_url']['url'] !== 'string') return `invalid request: messages[${i}] image_url.url is required`;
      images++;
    }
  }
  const f = body['response_format'];
  let json: SimTools['json'];
  if (f !== undefined) {
    if (!isRecord(f) || (f['type'] !== 'json_object' && f['type'] !== 'text')) return 'invalid request: response_format.type must be one of text, json_object';
    if (f['type'] === 'json_object') json = { schema: f['json_schema'] };
  }
  return { tools, choice: tc === 'REQUIRED' ? 'required' : tc === 'NONE' ? 'none' : 'auto', json, images, toolResult };
}

/** `message.tool_calls` of a tool-call answer. */
export function cohereToolCalls(a: SimAnswer) {
  return (a.toolCalls ?? []).map((c) => ({ id: c.id.replace(/^call_sim_/, 'get_weather_sim_'), type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } }));
}
