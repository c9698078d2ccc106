import type { z } from 'zod';
import { describeValue, formatPath } from './describe.ts';

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

type Schema = z.ZodType;

/** Walks a schema along a path to the object found there, unwrapping defaults and pipes. */
function objectKeysAt(root: Schema, path: readonly PropertyKey[]): string[] {
  let node: unknown = root;
  const unwrap = (n: unknown): unknown => {
    for (;;) {
      const def = (n as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      if (!def) return n;
      if (def['innerType']) n = def['innerType'];
      else if (def['type'] === 'pipe') n = def['in'];
      else return n;
    }
  };
  for (const part of path) {
    node = unwrap(node);
    const def = (node as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def['type'] === 'object') node = (def['shape'] as Record<string, unknown>)[String(part)];
    else if (def['type'] === 'record') node = def['valueType'];
    else if (def['type'] === 'array') node = def['element'];
    else return [];
  }
  const def = (unwrap(node) as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  return def?.['type'] === 'object' ? Object.keys(def['shape'] as object) : [];
}

/** Turns zod's issues into `path: what is wrong` lines, one per problem. */
export function formatIssues(schema: Schema, issues: readonly z.core.$ZodIssue[]): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = issue.path;
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = objectKeysAt(schema, path);
        for (const key of issue.keys) {
          out.push(`${formatPath([...path, key])}: unknown key (expected one of: ${known.join(', ')})`);
        }
        break;
      }
      case 'invalid_type':
        out.push(
          input === undefined
            ? `${formatPath(path)}: is required`
            : !issue.message.startsWith('Invalid input')
              ? `${formatPath(path)}: ${issue.message}`
            : `${formatPath(path)}: expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(input)}`,
        );
        break;
      case 'invalid_value':
        out.push(
          `${formatPath(path)}: ${JSON.stringify(input)} is not one of ${issue.values.map(String).join(', ')}`,
        );
        break;
      case 'too_small':
        out.push(
          issue.origin === 'string' && issue.minimum === 1
            ? `${formatPath(path)}: must not be empty`
            : `${formatPath(path)}: must be at least ${String(issue.minimum)}, got ${describeValue(input)}`,
        );
        break;
      case 'too_big':
        out.push(`${formatPath(path)}: must be at most ${String(issue.maximum)}, got ${describeValue(input)}`);
        break;
      case 'invalid_key':
        out.push(`${formatPath(path)}: ${issue.issues.map((i) => i.message).join('; ')}`);
        break;
      case 'invalid_format':
        out.push(`${formatPath(path)}: ${issue.message}, got ${describeValue(input)}`);
        break;
      default:
        out.push(`${formatPath(path)}: ${issue.message}`);
    }
  }
  return out;
}
