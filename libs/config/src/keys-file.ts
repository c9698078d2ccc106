import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { errnoCode } from '@ultra/core';
import { z } from 'zod';
import { keySchema } from './auth.ts';
import { formatIssues } from './issues.ts';

type FileKey = z.output<typeof keySchema>;

const listSchema = z.array(keySchema, { error: (iss) => (iss.input === undefined ? 'the file is empty' : 'expected a list of keys (each { name, hash, ... }, as under auth.keys)') });

/**
 * Reads `auth.keys_file`: a YAML list of client keys in `auth.keys`'s form (hashes only),
 * kept apart from the config so that it can come from a Secret (a Kubernetes Secret
 * mounted as a file). Returns the keys, or every problem as `auth.keys_file: PATH: ...`.
 */
export function readKeysFile(path: string): { keys: FileKey[]; problems: string[] } {
  const where = `auth.keys_file: ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = errnoCode(e);
    return { keys: [], problems: [`${where}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`}`] };
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return { keys: [], problems: doc.errors.map((e) => `${where}: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}`) };
  const parsed = listSchema.safeParse(doc.toJS(), { reportInput: true });
  // The file comes from a Secret: its values are never repeated in a message (a key pasted
  // where its hash belongs would otherwise reach the log).
  const quiet = (p: string) => p.replace(/^\(top level\): /, '').replace(/, got string .*$/, '');
  if (!parsed.success) return { keys: [], problems: formatIssues(listSchema, parsed.error.issues).map((p) => `${where}: ${quiet(p)}`) };
  return { keys: parsed.data, problems: [] };
}

/** `auth.keys` and the keys file's together; a name used twice is a problem. */
export function mergeKeys(inline: readonly FileKey[], file: { path: string; keys: readonly FileKey[] } | undefined): { keys: FileKey[]; problems: string[] } {
  const keys = [...inline, ...(file?.keys ?? [])];
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const k of keys) {
    if (seen.has(k.name)) problems.push(`auth: key name "${k.name}" is used twice (auth.keys${file ? ` and ${file.path}` : ''})`);
    seen.add(k.name);
  }
  return { keys, problems };
}
