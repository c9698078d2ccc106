import { errors } from './api-error.ts';
import { expectObject, field } from './json-fields.ts';
import type { Attributes, Direction, ToxicKind } from './toxic-types.ts';

/** The fields of a toxic create request, defaults applied (`downstream`, toxicity 1). */
export interface ToxicCreateInput {
  name: string;
  type: string;
  stream: string;
  toxicity: number;
  /** Raw `attributes`, decoded once the type is known. */
  attributes: unknown;
}

/** Decodes a `POST /proxies/{proxy}/toxics` body. */
export function decodeToxicCreate(body: unknown): ToxicCreateInput {
  const obj = expectObject(body, 'toxics.ToxicWrapper');
  return {
    name: field(obj, 'name', 'string', 'ToxicWrapper') ?? '',
    type: field(obj, 'type', 'string', 'ToxicWrapper') ?? '',
    stream: field(obj, 'stream', 'string', 'ToxicWrapper') ?? 'downstream',
    toxicity: field(obj, 'toxicity', 'float32', 'ToxicWrapper') ?? 1,
    attributes: obj['attributes'],
  };
}

/** The fields a toxic update may change: attributes (merged) and toxicity. */
export interface ToxicUpdateInput {
  toxicity: number | undefined;
  attributes: unknown;
}

/** Decodes a `POST /proxies/{proxy}/toxics/{toxic}` body. */
export function decodeToxicUpdate(body: unknown): ToxicUpdateInput {
  const obj = expectObject(body, 'struct { Attributes interface {} "json:\\"attributes\\""; Toxicity float32 "json:\\"toxicity\\"" }');
  return { toxicity: field(obj, 'toxicity', 'float32', 'attributes'), attributes: obj['attributes'] };
}

/** `upstream` or `downstream`, case-insensitive like the Go server; else a 400. */
export function parseDirection(stream: string): Direction {
  const lower = stream.toLowerCase();
  if (lower === 'upstream' || lower === 'downstream') return lower;
  throw errors.invalidStream;
}

/**
 * Decodes `raw` attributes for `kind` over `base`: named integer attributes replace the
 * base values, unknown names are ignored, a non-integer is a 400. Every attribute of the
 * kind is present in the result (0 unless given).
 */
export function decodeAttributes(kind: ToxicKind, raw: unknown, base?: Attributes): Attributes {
  const result: Record<string, number> = {};
  for (const name of kind.attributes) result[name] = base?.[name] ?? 0;
  if (raw === undefined || raw === null) return result;
  const goType = `toxics.${kind.type}`;
  const obj = expectObject(raw, goType);
  for (const name of kind.attributes) {
    const value = field(obj, name, 'int64', `${goType}.attributes`);
    if (value !== undefined) result[name] = value;
  }
  return result;
}
