import { z } from 'zod';
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

/** Steps through the wrappers that keep a schema's shape (defaults, optionals, pipes) to the schema inside. */
function unwrap(n: unknown): unknown {
  for (;;) {
    if (!(n instanceof z.core.$ZodType)) return n;
    const def = n._zod.def;
    if ('innerType' in def && def.innerType) n = def.innerType;
    else if (n instanceof z.core.$ZodPipe) n = n._zod.def.in;
    else return n;
  }
}

/** Walks a schema along a path to the object found there, unwrapping defaults and pipes. */
function objectKeysAt(root: Schema, path: readonly PropertyKey[]): string[] {
  let node: unknown = root;
  for (const part of path) {
    node = unwrap(node);
    if (node instanceof z.core.$ZodObject) node = node._zod.def.shape[String(part)];
    else if (node instanceof z.core.$ZodRecord) node = node._zod.def.valueType;
    else if (node instanceof z.core.$ZodArray) node = node._zod.def.element;
    else return [];
  }
  const found = unwrap(node);
  return found instanceof z.core.$ZodObject ? Object.keys(found._zod.def.shape) : [];
}

/** Turns zod's issues into `path: what is wrong` lines, one per problem. */
export function formatIssues(schema: Schema, issues: readonly z.core.$ZodIssue[]): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = issue.path;
    const input = issue.input;
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
