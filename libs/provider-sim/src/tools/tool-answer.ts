import { isRecord } from '@ultra/core';
import { splitIntoChunks, type SimAnswer, type SimRequest } from '../answer.ts';
import type { SimToolCall } from './types.ts';

/** Longest piece of the user's text put into a string argument, in characters. */
const ARG_TEXT_LIMIT = 40;

/**
 * A value that follows `schema` (JSON Schema or Gemini's OpenAPI subset, either case of
 * type names): strings are `text`, numbers 1, booleans true, enums their first value,
 * objects their required properties (all when none is marked), arrays one item.
 */
export function valueFor(schema: unknown, text: string, depth = 0): unknown {
  if (!isRecord(schema) || depth > 8) return text;
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  const any = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(any) && any.length > 0) return valueFor(any[0], text, depth + 1);
  const raw = Array.isArray(schema['type']) ? schema['type'].find((t) => String(t).toLowerCase() !== 'null') : schema['type'];
  const type = String(raw ?? (isRecord(schema['properties']) ? 'object' : 'string')).toLowerCase();
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return true;
  if (type === 'null') return null;
  if (type === 'array') return [valueFor(schema['items'], text, depth + 1)];
  if (type !== 'object') return text;
  const props = isRecord(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? schema['required'].map(String) : Object.keys(props);
  return Object.fromEntries(required.filter((k) => k in props).map((k) => [k, valueFor(props[k], text, depth + 1)]));
}

/** Splits text into at most `n` pieces by characters (JSON has few spaces to split on). */
function pieces(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(n, text.length));
  return Array.from({ length: count }, (_, i) => text.slice(Math.round((i * text.length) / count), Math.round(((i + 1) * text.length) / count)));
}

/**
 * What the simulator answers to tools, formats and images, on top of the plain answer:
 * with tools and a user turn last, a call to the chosen tool (the first one unless a
 * function is forced) whose arguments follow its schema; after a tool result, text that
 * quotes it; with a JSON format, JSON (following the schema when given); with images, the
 * text says how many it saw. Deterministic, so tests can assert on it.
 */
export function withTools(answer: SimAnswer, request: SimRequest, chunks: number): SimAnswer {
  const t = request.tools;
  if (!t) return answer;
  const user = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const quote = user.slice(0, ARG_TEXT_LIMIT);
  if (t.tools.length > 0 && t.choice !== 'none' && t.toolResult === undefined) {
    const tool = t.tools.find((x) => x.name === t.choice) ?? t.tools[0]!;
    const input = valueFor(tool.parameters ?? { type: 'object', properties: {} }, quote);
    const call: SimToolCall = { id: `call_sim_${answer.id.replace(/\W/g, '')}_0`, name: tool.name, input: isRecord(input) ? input : {} };
    return { ...answer, text: '', pieces: [], toolCalls: [call], completionTokens: 8, truncated: false };
  }
  let text = answer.text;
  if (t.toolResult !== undefined) text += ` (tool result: ${t.toolResult.slice(0, 100)})`;
  if (t.images > 0) text += ` [saw ${t.images} image${t.images === 1 ? '' : 's'}]`;
  if (t.json) {
    text = JSON.stringify(t.json.schema === undefined ? { answer: text } : valueFor(t.json.schema, text));
    return { ...answer, text, pieces: pieces(text, chunks), truncated: false };
  }
  return text === answer.text ? answer : { ...answer, text, pieces: splitIntoChunks(text.split(/\s+/).filter(Boolean), chunks) };
}
