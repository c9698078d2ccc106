import type { MessageInitShape } from '@bufbuild/protobuf';
import { ResponseFormatType, ToolChoiceMode, type ResponseFormatSchema, type ToolChoiceSchema, type ToolSchema } from '@ultra/contracts/chat';
import { BadRequestError } from './bad-request.ts';
import { isObject } from './openai-messages.ts';

/**
 * OpenAI's `tools`, `tool_choice`, `parallel_tool_calls` and `response_format`, read into
 * the chat contract's. Schemas travel as JSON text; errors name the path
 * (`tools[0].function.parameters: must be a JSON Schema object`).
 */

type ToolInit = MessageInitShape<typeof ToolSchema>;
type ToolChoiceInit = MessageInitShape<typeof ToolChoiceSchema>;
type FormatInit = MessageInitShape<typeof ResponseFormatSchema>;

const fail = (path: string, what: string): never => {
  throw new BadRequestError(`${path}: ${what}`, path);
};

const optionalString = (v: unknown, path: string): string => {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : fail(path, 'expected a string');
};

const optionalBool = (v: unknown, path: string): { value?: boolean } => {
  if (v === undefined || v === null) return {};
  return typeof v === 'boolean' ? { value: v } : fail(path, `expected true or false, got ${JSON.stringify(v)}`);
};

/** A JSON Schema object, written out in JSON text; `path` names it when it is not an object. */
function schemaText(v: unknown, path: string, required: boolean): string {
  if (v === undefined || v === null) return required ? fail(path, 'is required (a JSON Schema object)') : '';
  if (!isObject(v)) return fail(path, `must be a JSON Schema object, got ${JSON.stringify(v).slice(0, 40)}`);
  return JSON.stringify(v);
}

export function toTools(value: unknown): ToolInit[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail('tools', 'expected a list of tools');
  return value.map((t, i): ToolInit => {
    const at = `tools[${i}]`;
    if (!isObject(t)) return fail(at, 'expected a tool object');
    if (t['type'] !== 'function') return fail(`${at}.type`, `must be function (custom tools are not supported by Ultra), got ${JSON.stringify(t['type'])}`);
    const fn = t['function'];
    if (!isObject(fn)) return fail(`${at}.function`, 'expected an object with name, description and parameters');
    if (typeof fn['name'] !== 'string' || fn['name'] === '') return fail(`${at}.function.name`, 'expected a non-empty string');
    const strict = optionalBool(fn['strict'], `${at}.function.strict`);
    return {
      name: fn['name'],
      description: optionalString(fn['description'], `${at}.function.description`),
      parameters: schemaText(fn['parameters'], `${at}.function.parameters`, false),
      ...(strict.value !== undefined ? { strict: strict.value } : {}),
    };
  });
}

export function toToolChoice(value: unknown): ToolChoiceInit | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto') return { mode: ToolChoiceMode.AUTO };
  if (value === 'none') return { mode: ToolChoiceMode.NONE };
  if (value === 'required') return { mode: ToolChoiceMode.REQUIRED };
  if (isObject(value) && value['type'] === 'function') {
    const fn = value['function'];
    if (!isObject(fn) || typeof fn['name'] !== 'string') return fail('tool_choice.function.name', 'expected the name of one of the tools');
    return { mode: ToolChoiceMode.FUNCTION, functionName: fn['name'] };
  }
  return fail('tool_choice', `must be auto, none, required or {"type":"function","function":{"name":...}}, got ${JSON.stringify(value).slice(0, 60)}`);
}

export function toParallelToolCalls(value: unknown): { parallelToolCalls?: boolean } {
  const v = optionalBool(value, 'parallel_tool_calls');
  return v.value === undefined ? {} : { parallelToolCalls: v.value };
}

export function toResponseFormat(value: unknown): FormatInit | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return fail('response_format', 'expected an object with a type');
  const type = value['type'];
  if (type === 'text') return { type: ResponseFormatType.TEXT };
  if (type === 'json_object') return { type: ResponseFormatType.JSON_OBJECT };
  if (type !== 'json_schema') return fail('response_format.type', `must be text, json_object or json_schema, got ${JSON.stringify(type)}`);
  const spec = value['json_schema'];
  if (!isObject(spec)) return fail('response_format.json_schema', 'expected an object with name and schema');
  if (typeof spec['name'] !== 'string' || spec['name'] === '') return fail('response_format.json_schema.name', 'expected a non-empty string');
  const strict = optionalBool(spec['strict'], 'response_format.json_schema.strict');
  return {
    type: ResponseFormatType.JSON_SCHEMA,
    name: spec['name'],
    description: optionalString(spec['description'], 'response_format.json_schema.description'),
    schema: schemaText(spec['schema'], 'response_format.json_schema.schema', false),
    ...(strict.value !== undefined ? { strict: strict.value } : {}),
  };
}
