import { errors, type ApiError } from './api-error.ts';

/** A request body, parsed only when a handler asks (the Go server decodes lazily too). */
export interface JsonBody {
  /** The parsed JSON; throws a 400 `bad request body: …` ApiError when it is not JSON. */
  parse(): unknown;
}

/** Wraps raw request text as a {@link JsonBody}; empty text fails like Go's decoder (`EOF`). */
export function jsonBody(text: string): JsonBody {
  return {
    parse(): unknown {
      if (text.trim() === '') throw errors.badRequestBody.withDetail('EOF');
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw errors.badRequestBody.withDetail(e instanceof Error ? e.message : String(e));
      }
    },
  };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
}

function unmarshalError(value: unknown, target: string, goType: string): ApiError {
  return errors.badRequestBody.withDetail(`json: cannot unmarshal ${describe(value)} into ${target} of type ${goType}`);
}

/** The value as a JSON object, or the Go decoder's 400 for `goType`. */
export function expectObject(value: unknown, goType: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw unmarshalError(value, 'Go value', goType);
}

/** The value as a JSON array, or the Go decoder's 400 for `goType`. */
export function expectArray(value: unknown, goType: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw unmarshalError(value, 'Go value', goType);
}

type FieldType = 'string' | 'bool' | 'float32' | 'int64';

const accepts: Record<FieldType, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  bool: (v) => typeof v === 'boolean',
  float32: (v) => typeof v === 'number',
  int64: (v) => typeof v === 'number' && Number.isSafeInteger(v),
};

/**
 * Reads `obj[key]` as a Go struct field of `goType`: absent or `null` gives `undefined`
 * (the field keeps its default), a value of the wrong type gives a 400.
 */
export function field<T extends FieldType>(
  obj: Record<string, unknown>,
  key: string,
  goType: T,
  struct: string,
): (T extends 'string' ? string : T extends 'bool' ? boolean : number) | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!accepts[goType](value)) throw unmarshalError(value, `Go struct field ${struct}.${key}`, goType);
  return value as T extends 'string' ? string : T extends 'bool' ? boolean : number;
}
