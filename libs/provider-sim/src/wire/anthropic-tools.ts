import type { SimAnswer } from '../answer.ts';
import type { SimTools } from '../tools/types.ts';
import { isRecord } from '@ultra/core';
import { contentText } from './common.ts';

const MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/**
 * Reads what a Messages API body carries besides text, insisting on what the API insists
 * on: every tool has a name and an `input_schema`; `tool_choice` `tool` names one; every
 * `tool_use` of an assistant turn is answered by a `tool_result` at the start of the very
 * next user turn, and every `tool_result` answers a `tool_use` of the turn before; image
 * sources are base64 with a supported media type, or a URL; `output_config.format` is a
 * json_schema with a schema. A string is the 400's message.
 */
export function readAnthropicTools(body: Record<string, unknown>): SimTools | string {
  const tools: Array<{ name: string; parameters: unknown }> = [];
  if (body['tools'] !== undefined) {
    if (!Array.isArray(body['tools'])) return 'tools: Input should be a valid list';
    for (const [i, t] of body['tools'].entries()) {
      if (!isRecord(t) || typeof t['name'] !== 'string') return `tools.${i}.name: Field required`;
      if (!isRecord(t['input_schema'])) return `tools.${i}.custom.input_schema: Field required`;
      if (t['input_schema']['type'] !== 'object') return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
      tools.push({ name: t['name'], parameters: t['input_schema'] });
    }
  }
  const tc = body['tool_choice'];
  let choice = 'auto';
  if (isRecord(tc)) {
    if (tc['type'] === 'tool') {
      if (!tools.some((t) => t.name === tc['name'])) return `tool_choice.tool.name: tool ${JSON.stringify(tc['name'])} is not among the tools`;
      choice = String(tc['name']);
    } else if (tc['type'] === 'any') choice = 'required';
    else if (tc['type'] === 'none') choice = 'none';
    else if (tc['type'] !== 'auto') return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'";
  }
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  let pending: string[] = [];
  let images = 0;
  let toolResult: string | undefined;
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m)) continue;
    const blocks = Array.isArray(m['content']) ? m['content'].filter(isRecord) : [];
    const results = blocks.filter((b) => b['type'] === 'tool_result');
    if (m['role'] === 'user') {
      const leading = blocks.findIndex((b) => b['type'] !== 'tool_result');
      if (results.length > 0 && leading !== -1 && leading < results.length) return `messages.${i}: tool_result blocks must come first in the user message's content`;
      for (const [j, r] of results.entries()) {
        if (!pending.includes(String(r['tool_use_id']))) {
          return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(r['tool_use_id'])}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
      const missing = pending.filter((id) => !results.some((r) => r['tool_use_id'] === id));
      if (missing.length > 0) return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      toolResult = results.length > 0 ? results.map((r) => contentText(r['content']) ?? '').join('\n') : undefined;
      for (const [j, b] of blocks.entries()) {
        if (b['type'] !== 'image') continue;
        const src = b['source'];
        if (!isRecord(src)) return `messages.${i}.content.${j}.image.source: Field required`;
        if (src['type'] === 'base64' && (!MEDIA_TYPES.has(String(src['media_type'])) || typeof src['data'] !== 'string')) {
          return `messages.${i}.content.${j}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
        }
        if (src['type'] === 'url' && typeof src['url'] !== 'string') return `messages.${i}.content.${j}.image.source.url.url: Field required`;
        images++;
      }
      pending = [];
    } else {
      if (pending.length > 0) return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${pending.join(', ')}`;
      if (results.length > 0) return `messages.${i}: tool_result blocks may stand only in user messages`;
      pending = blocks.filter((b) => b['type'] === 'tool_use').map((b) => String(b['id']));
    }
  }
  const output = body['output_config'];
  let json: SimTools['json'];
  if (isRecord(output) && output['format'] !== undefined) {
    const f = output['format'];
    if (!isRecord(f) || f['type'] !== 'json_schema' || !isRecord(f['schema'])) return "output_config.format: Input should be {type: 'json_schema', schema: {...}}";
    json = { schema: f['schema'] };
  }
  return { tools, choice, json, images, toolResult };
}

/** The `tool_use` content blocks of a tool-call answer. */
export function anthropicToolBlocks(a: SimAnswer) {
  return (a.toolCalls ?? []).map((c) => ({ type: 'tool_use', id: c.id.replace(/^call_/, 'toolu_'), name: c.name, input: c.input }));
}
