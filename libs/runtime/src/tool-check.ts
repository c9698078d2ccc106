import { errorMessage, InvalidRequestError, isRecord } from '@ultra/core';
import { ResponseFormatType, Role, ToolChoiceMode, type ChatRequest } from '@ultra/contracts/chat';

const bad = (path: string, detail: string) => new InvalidRequestError(path, detail);

/** OpenAI's rule for function and schema names, which every provider accepts. */
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Parses JSON text that must hold an object; names `path` when it does not. */
function jsonObject(text: string, path: string, what: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw bad(path, `${what} must be JSON text, ${errorMessage(e)}`);
  }
  if (!isRecord(value)) throw bad(path, `${what} must be a JSON object, got ${text.slice(0, 40)}`);
}

/**
 * Checks what the chat contract carries besides text, the same for gRPC, Connect and the
 * OpenAI front door: tools have unique valid names and object schemas, the tool choice
 * names a declared tool, a JSON schema format has a name and a schema, images say what they
 * are, assistant tool calls have ids, and every tool message answers an earlier call.
 * Errors name the field by its place in the request (`messages[3].tool_call_id`), as `InvalidRequestError`s.
 */
export function validateTools(request: ChatRequest): void {
  const names = new Set<string>();
  request.tools.forEach((t, i) => {
    if (!NAME.test(t.name)) throw bad(`tools[${i}].name`, `must be 1 to 64 letters, digits, _ or -, got ${JSON.stringify(t.name)}`);
    if (names.has(t.name)) throw bad(`tools[${i}].name`, `"${t.name}" is declared twice`);
    names.add(t.name);
    if (t.parameters !== '') jsonObject(t.parameters, `tools[${i}].parameters`, 'the JSON Schema');
  });
  const choice = request.toolChoice;
  if (choice?.mode === ToolChoiceMode.FUNCTION && !names.has(choice.functionName)) {
    throw bad('tool_choice.function_name', `"${choice.functionName}" is not one of the tools (${[...names].join(', ') || 'none given'})`);
  }
  if ((choice?.mode === ToolChoiceMode.REQUIRED || choice?.mode === ToolChoiceMode.FUNCTION) && names.size === 0) {
    throw bad('tool_choice', 'asks for a tool call but no tools are given');
  }
  const format = request.responseFormat;
  if (format?.type === ResponseFormatType.JSON_SCHEMA) {
    if (!NAME.test(format.name)) throw bad('response_format.name', `must be 1 to 64 letters, digits, _ or -, got ${JSON.stringify(format.name)}`);
    if (format.schema !== '') jsonObject(format.schema, 'response_format.schema', 'the JSON Schema');
  }
  const calls = new Set<string>();
  request.messages.forEach((m, i) => {
    m.parts.forEach((p, j) => {
      if (p.part.case !== 'image') return;
      const image = p.part.value;
      if (image.source.case === undefined) throw bad(`messages[${i}].parts[${j}].image`, 'needs a url or data');
      if (image.source.case === 'data' && !/^image\/[\w.+-]+$/.test(image.mimeType)) {
        throw bad(`messages[${i}].parts[${j}].image.mime_type`, `must be an image MIME type such as image/png with data, got ${JSON.stringify(image.mimeType)}`);
      }
      if (image.source.case === 'url' && !/^https?:\/\//i.test(image.source.value)) {
        throw bad(`messages[${i}].parts[${j}].image.url`, `must be an http(s) URL (send inline images as data with mime_type), got ${JSON.stringify(image.source.value.slice(0, 40))}`);
      }
      if (m.role !== Role.USER) throw bad(`messages[${i}].parts[${j}]`, 'images may stand only in user messages');
    });
    if (m.toolCalls.length > 0 && m.role !== Role.ASSISTANT) throw bad(`messages[${i}].tool_calls`, 'only assistant messages make tool calls');
    m.toolCalls.forEach((c, j) => {
      if (c.id === '') throw bad(`messages[${i}].tool_calls[${j}].id`, 'is required');
      if (c.name === '') throw bad(`messages[${i}].tool_calls[${j}].name`, 'is required');
      if (c.arguments !== '') jsonObject(c.arguments, `messages[${i}].tool_calls[${j}].arguments`, 'the arguments');
      calls.add(c.id);
    });
    if (m.role === Role.TOOL) {
      if (m.toolCallId === '') throw bad(`messages[${i}].tool_call_id`, 'is required in a tool message');
      if (!calls.has(m.toolCallId)) throw bad(`messages[${i}].tool_call_id`, `no earlier assistant tool call has id "${m.toolCallId}"`);
    } else if (m.toolCallId !== '') throw bad(`messages[${i}].tool_call_id`, 'only tool messages answer a tool call');
  });
}
