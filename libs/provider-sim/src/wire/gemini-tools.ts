import type { SimAnswer } from '../answer.ts';
import type { SimTools } from '../tools/types.ts';
import { isRecord } from '@ultra/core';

/** Keys Gemini's Schema object knows; anything else is "Unknown name" (additionalProperties, $schema, ...). */
const SCHEMA_KEYS = new Set(['type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum']);

/** The signature the simulator puts on its function calls, and what it accepts back. */
export const simSignature = (id: string) => `sim-signature-${id}`;
const FOREIGN = 'skip_thought_signature_validator';

function checkSchema(schema: unknown, path: string): string | undefined {
  if (!isRecord(schema)) return `Invalid value at '${path}': expected a Schema object`;
  for (const [k, v] of Object.entries(schema)) {
    if (!SCHEMA_KEYS.has(k)) return `Invalid JSON payload received. Unknown name "${k}" at '${path}': Cannot find field.`;
    if (k === 'properties' && isRecord(v)) {
      for (const [name, sub] of Object.entries(v)) {
        const bad = checkSchema(sub, `${path}.properties[${name}].value`);
        if (bad) return bad;
      }
    }
    if (k === 'items') {
      const bad = checkSchema(v, `${path}.items`);
      if (bad) return bad;
    }
  }
  return undefined;
}

/**
 * Reads what a generateContent body carries besides text, insisting on what the API
 * insists on: function declarations' schemas use only Gemini's Schema fields; a
 * `functionResponse` turn follows a model turn of `functionCall`s, one response per call,
 * named after it; a function call replayed from the simulator carries its thought
 * signature back; `inlineData` has a mimeType and data; `responseSchema` only with
 * `responseMimeType: application/json`. A string is the 400's message.
 */
export function readGeminiTools(body: Record<string, unknown>): SimTools | string {
  const tools: Array<{ name: string; parameters: unknown }> = [];
  for (const [i, t] of (Array.isArray(body['tools']) ? body['tools'] : []).entries()) {
    const decls = isRecord(t) && Array.isArray(t['functionDeclarations']) ? t['functionDeclarations'] : [];
    for (const [j, d] of decls.entries()) {
      if (!isRecord(d) || typeof d['name'] !== 'string') return `* GenerateContentRequest.tools[${i}].function_declarations[${j}].name: Name cannot be empty.`;
      if (d['parameters'] !== undefined) {
        const bad = checkSchema(d['parameters'], `tools[${i}].function_declarations[${j}].parameters`);
        if (bad) return bad;
      }
      tools.push({ name: d['name'], parameters: d['parameters'] });
    }
  }
  const fcc = isRecord(body['toolConfig']) && isRecord(body['toolConfig']['functionCallingConfig']) ? body['toolConfig']['functionCallingConfig'] : {};
  const mode = String(fcc['mode'] ?? 'AUTO');
  const allowed = Array.isArray(fcc['allowedFunctionNames']) ? fcc['allowedFunctionNames'].map(String) : [];
  if (allowed.length > 0 && mode !== 'ANY') return '* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: only allowed with mode ANY.';
  const choice = mode === 'NONE' ? 'none' : allowed.length === 1 ? allowed[0]! : mode === 'ANY' ? 'required' : 'auto';
  let calls: string[] = [];
  let images = 0;
  let toolResult: string | undefined;
  for (const [i, c] of (Array.isArray(body['contents']) ? body['contents'] : []).entries()) {
    const parts = isRecord(c) && Array.isArray(c['parts']) ? c['parts'].filter(isRecord) : [];
    const responses = parts.map((p) => p['functionResponse']).filter(isRecord);
    if (responses.length > 0) {
      if (responses.length !== calls.length) {
        return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
      }
      const texts: string[] = [];
      for (const r of responses) {
        const name = r['name'];
        if (!calls.includes(String(name))) return `* GenerateContentRequest.contents[${i}].parts: functionResponse ${JSON.stringify(name)} answers no function call of the turn before.`;
        const response = r['response'];
        if (!isRecord(response)) return `Invalid value at 'contents[${i}].parts.function_response.response': expected an object`;
        texts.push(typeof response['result'] === 'string' && Object.keys(response).length === 1 ? response['result'] : JSON.stringify(response));
      }
      toolResult = texts.join('\n');
    } else if (isRecord(c) && c['role'] !== 'model') toolResult = undefined;
    const made = parts.filter((p) => isRecord(p['functionCall']));
    const madeCalls = made.map((p) => p['functionCall']).filter(isRecord);
    for (const p of made) {
      const sig = p['thoughtSignature'];
      if (sig !== FOREIGN && (typeof sig !== 'string' || !sig.startsWith('sim-signature-'))) {
        return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly (contents[${i}]).`;
      }
    }
    calls = madeCalls.map((f) => String(f['name']));
    for (const p of parts) {
      if (!isRecord(p['inlineData']) && !isRecord(p['fileData'])) continue;
      const given = p['inlineData'] ?? p['fileData'];
      const d = isRecord(given) ? given : {};
      if (typeof d['mimeType'] !== 'string' || (typeof d['data'] !== 'string' && typeof d['fileUri'] !== 'string')) return `* GenerateContentRequest.contents[${i}].parts: inline data needs mime_type and data`;
      images++;
    }
  }
  const config = isRecord(body['generationConfig']) ? body['generationConfig'] : {};
  let json: SimTools['json'];
  if (config['responseSchema'] !== undefined) {
    if (config['responseMimeType'] !== 'application/json') return '* GenerateContentRequest.generation_config.response_schema: only allowed with response_mime_type application/json';
    const bad = checkSchema(config['responseSchema'], 'generation_config.response_schema');
    if (bad) return bad;
    json = { schema: config['responseSchema'] };
  } else if (config['responseMimeType'] === 'application/json') json = { schema: undefined };
  return { tools, choice, json, images, toolResult };
}

/** The `functionCall` parts of a tool-call answer, each with its thought signature. */
export function geminiCallParts(a: SimAnswer) {
  return (a.toolCalls ?? []).map((c) => ({ functionCall: { name: c.name, args: c.input }, thoughtSignature: simSignature(c.id) }));
}
