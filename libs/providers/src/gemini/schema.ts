import { isRecord } from '@ultra/core';
import { UnsupportedRequestError } from '../unsupported-request.ts';

/** Keys of Gemini's Schema object (its OpenAPI 3.0 subset) that Ultra passes on. */
const KEPT = new Set(['format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'default', 'propertyOrdering', 'example']);
/** JSON Schema keys that say nothing Gemini needs (OpenAI's strict mode requires some of them): dropped. */
const DROPPED = new Set(['$schema', '$id', '$comment', 'additionalProperties', 'strict', 'examples', 'readOnly', 'writeOnly', 'deprecated', 'unevaluatedProperties']);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);

/**
 * A JSON Schema in Gemini's OpenAPI subset: `type` in capitals, `["string", "null"]` as
 * `nullable`, `const` as a one-value enum, `oneOf` as `anyOf`, and the keys OpenAI's
 * strict mode needs but Gemini rejects (`additionalProperties`, `$schema`) dropped.
 * What cannot be converted without changing the schema's meaning (`$ref`, `allOf`, `not`,
 * `if`, `patternProperties`, tuples) throws UnsupportedRequestError naming its path.
 */
export function toGeminiSchema(schema: unknown, path: string): Record<string, unknown> {
  if (!isRecord(schema)) throw new UnsupportedRequestError(`${path}: must be a JSON Schema object for Gemini`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    const at = `${path}.${key}`;
    if (key === 'type') {
      const types = (Array.isArray(value) ? value : [value]).map((t) => String(t).toLowerCase());
      const real = types.filter((t) => t !== 'null');
      if (real.length > 1) throw new UnsupportedRequestError(`${at}: Gemini takes one type per schema, got ${JSON.stringify(value)}; use anyOf`);
      if (real[0] && !TYPES.has(real[0])) throw new UnsupportedRequestError(`${at}: unknown type ${JSON.stringify(real[0])}`);
      out['type'] = (real[0] ?? 'null').toUpperCase();
      if (types.includes('null') && real.length === 1) out['nullable'] = true;
    } else if (key === 'properties') {
      if (!isRecord(value)) throw new UnsupportedRequestError(`${at}: must be an object`);
      out['properties'] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toGeminiSchema(v, `${at}.${k}`)]));
    } else if (key === 'items') {
      if (Array.isArray(value)) throw new UnsupportedRequestError(`${at}: tuple schemas (items as a list) have no Gemini form`);
      out['items'] = toGeminiSchema(value, at);
    } else if (key === 'anyOf' || key === 'oneOf') {
      if (!Array.isArray(value)) throw new UnsupportedRequestError(`${at}: must be a list`);
      out['anyOf'] = value.map((v, i) => toGeminiSchema(v, `${at}[${i}]`));
    } else if (key === 'const') {
      out['enum'] = [String(value)];
    } else if (key === 'enum') {
      out['enum'] = Array.isArray(value) ? value.map(String) : value;
    } else if (KEPT.has(key)) {
      out[key] = value;
    } else if (!DROPPED.has(key)) {
      throw new UnsupportedRequestError(`${at}: JSON Schema's "${key}" has no equivalent in Gemini's schema subset; rewrite the schema without it (inline $ref definitions)`);
    }
  }
  if (out['enum'] !== undefined && out['type'] === undefined) out['type'] = 'STRING';
  return out;
}
