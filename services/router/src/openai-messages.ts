import type { MessageInitShape } from '@bufbuild/protobuf';
import { Role, type ContentPartSchema, type MessageSchema, type ToolCallSchema } from '@ultra/contracts/chat';
import { BadRequestError } from './bad-request.ts';

type ContentPart = MessageInitShape<typeof ContentPartSchema>;
type MessageInit = MessageInitShape<typeof MessageSchema>;
type ToolCallInit = MessageInitShape<typeof ToolCallSchema>;

/**
 * OpenAI's message shapes, read into the chat contract's: text or content-part arrays
 * (text, `image_url` with an https or `data:` URL), assistant `tool_calls`, and `role:
 * "tool"` results. Every error names the path (`messages[2].content[1].image_url.url`).
 */

const ROLES: Record<string, Role> = { system: Role.SYSTEM, developer: Role.SYSTEM, user: Role.USER, assistant: Role.ASSISTANT, tool: Role.TOOL };

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const fail = (path: string, what: string): never => {
  throw new BadRequestError(`${path}: ${what}`, path);
};

/** A `data:image/...;base64,` URL, split into bytes and MIME type. */
function dataUrl(url: string, path: string): { data: Uint8Array; mimeType: string } {
  const m = /^data:(image\/[\w.+-]+);base64,(.*)$/is.exec(url);
  if (!m) return fail(path, `a data: URL must be data:image/<type>;base64,<bytes>, got ${JSON.stringify(url.slice(0, 40))}`);
  const base64 = m[2]!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length === 0) fail(path, 'the data: URL is not valid base64');
  return { data: Buffer.from(base64, 'base64'), mimeType: m[1]!.toLowerCase() };
}

function imagePart(part: Record<string, unknown>, path: string): ContentPart {
  const image = part['image_url'];
  if (!isObject(image) || typeof image['url'] !== 'string') return fail(`${path}.image_url.url`, 'expected a URL string');
  const url = image['url'];
  const detail = image['detail'];
  if (detail !== undefined && detail !== 'auto' && detail !== 'low' && detail !== 'high') fail(`${path}.image_url.detail`, `must be auto, low or high, got ${JSON.stringify(detail)}`);
  const hint = typeof detail === 'string' ? detail : '';
  if (/^data:/i.test(url)) {
    const { data, mimeType } = dataUrl(url, `${path}.image_url.url`);
    return { part: { case: 'image', value: { source: { case: 'data', value: data }, mimeType, detail: hint } } };
  }
  if (!/^https?:\/\/[^\s]+$/i.test(url)) fail(`${path}.image_url.url`, `must be an https or data: URL, got ${JSON.stringify(url.slice(0, 40))}`);
  return { part: { case: 'image', value: { source: { case: 'url', value: url }, mimeType: '', detail: hint } } };
}

/** `content` in text, or in parts when it holds an image (`images` false: text parts only, e.g. system and tool messages). */
function content(value: unknown, path: string, images: boolean): { content: string; parts: ContentPart[] } {
  if (typeof value === 'string') return { content: value, parts: [] };
  if (value === null || value === undefined) return { content: '', parts: [] };
  if (!Array.isArray(value)) return fail(path, 'expected a string or a list of content parts');
  const parts = value.map((part, j): ContentPart => {
    const at = `${path}[${j}]`;
    if (!isObject(part)) return fail(at, 'expected a content part object');
    const type = part['type'];
    if (type === 'text' || type === 'refusal') {
      const text = part[type];
      if (typeof text !== 'string') return fail(`${at}.${type}`, 'expected a string');
      return { part: { case: 'text', value: text } };
    }
    if (type === 'image_url' && images) return imagePart(part, at);
    if (type === 'image_url') return fail(at, 'images may stand only in user messages');
    if (type === 'input_audio') return fail(at, 'not supported by Ultra (audio input is not carried to providers)');
    if (type === 'file') return fail(at, 'not supported by Ultra (file inputs are not carried to providers; send images as image_url)');
    return fail(`${at}.type`, `must be text or image_url, got ${JSON.stringify(type)}`);
  });
  if (parts.every((p) => p.part?.case === 'text')) return { content: parts.map((p) => (p.part?.case === 'text' ? p.part.value : '')).join(''), parts: [] };
  return { content: '', parts };
}

function toolCalls(value: unknown, path: string): ToolCallInit[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail(path, 'expected a list of tool calls');
  return value.map((call, j): ToolCallInit => {
    const at = `${path}[${j}]`;
    if (!isObject(call)) return fail(at, 'expected a tool call object');
    const id = call['id'];
    if (typeof id !== 'string' || id === '') return fail(`${at}.id`, 'expected a non-empty string');
    if (call['type'] !== undefined && call['type'] !== 'function') fail(`${at}.type`, `must be function, got ${JSON.stringify(call['type'])}`);
    const fn = call['function'];
    if (!isObject(fn) || typeof fn['name'] !== 'string') return fail(`${at}.function.name`, 'expected a string');
    const args = fn['arguments'];
    if (args !== undefined && typeof args !== 'string') return fail(`${at}.function.arguments`, 'expected JSON text (a string)');
    const extra = call['extra_content'];
    const google = isObject(extra) ? extra['google'] : undefined;
    const signature = isObject(google) && typeof google['thought_signature'] === 'string' ? google['thought_signature'] : '';
    return { id, name: fn['name'], arguments: args ?? '', signature };
  });
}

/** One entry of `messages`, turned into a chat contract message. */
export function toMessage(m: unknown, i: number): MessageInit {
  const at = `messages[${i}]`;
  if (!isObject(m)) return fail(at, 'expected an object');
  const role = typeof m['role'] === 'string' ? ROLES[m['role']] : undefined;
  if (m['role'] === 'function') fail(`${at}.role`, 'the deprecated function role is not supported; send role "tool" with tool_call_id');
  if (role === undefined) return fail(`${at}.role`, `must be system, developer, user, assistant or tool, got ${JSON.stringify(m['role'])}`);
  if (m['audio'] !== undefined && m['audio'] !== null) fail(`${at}.audio`, 'not supported by Ultra (audio is not carried to providers)');
  if (m['function_call'] !== undefined && m['function_call'] !== null) fail(`${at}.function_call`, 'the deprecated function_call is not supported; send tool_calls');
  const name = typeof m['name'] === 'string' ? m['name'] : '';
  const body = content(m['content'], `${at}.content`, role === Role.USER);
  if (role === Role.TOOL) {
    const toolCallId = m['tool_call_id'];
    if (typeof toolCallId !== 'string' || toolCallId === '') return fail(`${at}.tool_call_id`, 'a tool message needs the id of the tool call it answers');
    return { role, ...body, toolCallId };
  }
  return { role, ...body, name, toolCalls: role === Role.ASSISTANT ? toolCalls(m['tool_calls'], `${at}.tool_calls`) : [] };
}
