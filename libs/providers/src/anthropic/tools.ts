import { ResponseFormatType, ToolChoiceMode, type ChatRequest } from '@ultra/contracts/chat';
import { jsonOf } from '../content.ts';

/**
 * Anthropic's tools, tool choice and structured output for Ultra's request.
 *
 * `json_schema`: models with structured outputs (Claude Opus 4.1, and the 4.5 family and
 * later) get `output_config.format` (`{type: "json_schema", schema}`), the GA form. Older
 * models (Claude 3.x, Sonnet 4, Opus 4) do not have it; they get Anthropic's documented
 * fallback: a tool whose `input_schema` is the schema, forced with `tool_choice: {type:
 * "tool"}`, whose input is then given back as the answer's text. `json_object` always takes
 * the fallback with an open object schema (the Messages API has no JSON mode).
 */

type AnthropicTool = { name: string; description?: string; input_schema: unknown };
type AnthropicToolChoice = ({ type: 'auto' | 'any' | 'none' } | { type: 'tool'; name: string }) & { disable_parallel_tool_use?: boolean };

export interface AnthropicToolFields {
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  output_config?: { format: { type: 'json_schema'; schema: unknown } };
}

/** Models with Anthropic's structured outputs (`output_config.format`). */
export function hasStructuredOutputs(model: string): boolean {
  return /claude-(?:opus-4-1|(?:opus|sonnet|haiku)-4-[5-9]|(?:opus|sonnet|haiku)-[5-9])/.test(model);
}

/** The name of the forced tool that stands in for a JSON format on `model`, when one does. */
export function formatToolName(model: string, request: ChatRequest): string | undefined {
  const f = request.responseFormat;
  if (f?.type === ResponseFormatType.JSON_OBJECT) return 'json_answer';
  if (f?.type === ResponseFormatType.JSON_SCHEMA && !hasStructuredOutputs(model)) return f.name || 'json_answer';
  return undefined;
}

const OPEN_OBJECT = { type: 'object', properties: {} };

export function toAnthropicTools(model: string, request: ChatRequest): AnthropicToolFields {
  const out: AnthropicToolFields = {};
  const tools: AnthropicTool[] = request.tools.map((t) => ({
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    input_schema: t.parameters ? jsonOf(t.parameters) : OPEN_OBJECT,
  }));
  const c = request.toolChoice;
  let choice: AnthropicToolChoice | undefined;
  if (c?.mode === ToolChoiceMode.AUTO) choice = { type: 'auto' };
  if (c?.mode === ToolChoiceMode.NONE) choice = { type: 'none' };
  if (c?.mode === ToolChoiceMode.REQUIRED) choice = { type: 'any' };
  if (c?.mode === ToolChoiceMode.FUNCTION) choice = { type: 'tool', name: c.functionName };
  const f = request.responseFormat;
  const forced = formatToolName(model, request);
  if (forced !== undefined && f) {
    tools.push({ name: forced, description: f.description || 'Give the answer as this tool’s input.', input_schema: f.schema ? jsonOf(f.schema) : OPEN_OBJECT });
    choice = { type: 'tool', name: forced };
  } else if (f?.type === ResponseFormatType.JSON_SCHEMA) {
    out.output_config = { format: { type: 'json_schema', schema: jsonOf(f.schema || '{"type":"object"}') } };
  }
  if (tools.length > 0) out.tools = tools;
  if (request.parallelToolCalls === false && tools.length > 0) choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  if (choice && tools.length > 0) out.tool_choice = choice;
  return out;
}
