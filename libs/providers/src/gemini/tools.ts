import { createHash } from 'node:crypto';
import { ResponseFormatType, Role, ToolChoiceMode, type ChatRequest, type Message } from '@ultra/contracts/chat';
import { inlineImage, jsonOf, textOf, urlOf } from '../content.ts';
import { toGeminiSchema } from './schema.ts';

/** A Part of a Content: the fields Ultra fills. */
export type GeminiPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string | undefined } }
  | { functionCall: { name: string; args: unknown }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: unknown } };

export type GeminiContent = { role: 'user' | 'model'; parts: GeminiPart[] };

/**
 * What Gemini documents for a function call it did not produce (one made on another
 * provider before a failover): a stand-in that tells it to skip the thought-signature check.
 */
export const FOREIGN_CALL_SIGNATURE = 'skip_thought_signature_validator';

/**
 * The id Ultra gives a Gemini function call (Gemini gives none): a hash of its position,
 * name and arguments, so the same answer read whole or streamed gets the same ids.
 */
export function geminiCallId(index: number, name: string, args: string): string {
  return `call_${createHash('sha256').update(`${index}\n${name}\n${args}`).digest('hex').slice(0, 24)}`;
}

const MIME_BY_EXT: Readonly<Record<string, string>> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic' };

function partsOf(m: Message, names: ReadonlyMap<string, string>): GeminiPart[] {
  if (m.role === Role.TOOL) {
    const text = textOf(m);
    let response: unknown;
    try {
      response = JSON.parse(text);
    } catch {
      response = text;
    }
    const object = typeof response === 'object' && response !== null && !Array.isArray(response);
    return [{ functionResponse: { name: names.get(m.toolCallId) ?? '', response: object ? response : { result: response } } }];
  }
  const parts: GeminiPart[] = m.parts.map((p): GeminiPart => {
    if (p.part.case !== 'image') return { text: p.part.value ?? '' };
    const inline = inlineImage(p.part.value);
    if (inline) return { inlineData: { mimeType: inline.mimeType, data: inline.base64 } };
    const url = urlOf(p.part.value);
    const ext = /\.(\w+)(?:[?#]|$)/.exec(url ?? '')?.[1]?.toLowerCase() ?? '';
    return { fileData: { mimeType: p.part.value.mimeType || MIME_BY_EXT[ext] || 'image/jpeg', fileUri: url } };
  });
  if (m.parts.length === 0 && (m.content !== '' || m.toolCalls.length === 0)) parts.push({ text: m.content });
  for (const c of m.toolCalls) parts.push({ functionCall: { name: c.name, args: jsonOf(c.arguments) }, thoughtSignature: c.signature || FOREIGN_CALL_SIGNATURE });
  return parts;
}

/**
 * The turns in Gemini's form: assistant turns are `model`, tool results `functionResponse`
 * parts (named after the call they answer, found by id) in one user turn after the call
 * turn; consecutive messages of one role become one turn; a call carries back its thought
 * signature.
 */
export function toGeminiContents(turns: readonly Message[]): GeminiContent[] {
  const names = new Map(turns.flatMap((m) => m.toolCalls.map((c) => [c.id, c.name] as const)));
  const out: GeminiContent[] = [];
  for (const m of turns) {
    const role = m.role === Role.ASSISTANT ? 'model' : 'user';
    const parts = partsOf(m, names);
    const last = out.at(-1);
    if (last && last.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  }
  return out;
}

export interface GeminiToolFields {
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parameters?: unknown }> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
}

/** Tools and tool choice; `parallel_tool_calls` has no Gemini switch and is not sent. */
export function toGeminiTools(request: ChatRequest): GeminiToolFields {
  if (request.tools.length === 0) return {};
  const declarations = request.tools.map((t, i) => ({
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    ...(t.parameters ? { parameters: toGeminiSchema(jsonOf(t.parameters), `tools[${i}].parameters`) } : {}),
  }));
  const c = request.toolChoice;
  const config: NonNullable<GeminiToolFields['toolConfig']>['functionCallingConfig'] | undefined =
    c?.mode === ToolChoiceMode.NONE ? { mode: 'NONE' }
    : c?.mode === ToolChoiceMode.REQUIRED ? { mode: 'ANY' }
    : c?.mode === ToolChoiceMode.FUNCTION ? { mode: 'ANY', allowedFunctionNames: [c.functionName] }
    : c?.mode === ToolChoiceMode.AUTO ? { mode: 'AUTO' }
    : undefined;
  return { tools: [{ functionDeclarations: declarations }], ...(config ? { toolConfig: { functionCallingConfig: config } } : {}) };
}

/** `responseMimeType` and `responseSchema` for a JSON format. */
export function toGeminiFormat(request: ChatRequest): { responseMimeType?: string; responseSchema?: unknown } {
  const f = request.responseFormat;
  if (f?.type === ResponseFormatType.JSON_OBJECT) return { responseMimeType: 'application/json' };
  if (f?.type !== ResponseFormatType.JSON_SCHEMA) return {};
  return { responseMimeType: 'application/json', ...(f.schema ? { responseSchema: toGeminiSchema(jsonOf(f.schema), 'response_format.schema') } : {}) };
}
