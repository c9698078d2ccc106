import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { errnoCode } from '@ultra/core';
import { ConfigError } from './config-error.ts';
import { DEFAULT_CONFIG_YAML, DEFAULT_SOURCE } from './default-config.ts';
import { formatIssues } from './issues.ts';
import { crossCheck, lenient, resolve } from './resolve.ts';
import { fileSchema } from './schema.ts';
import { mergeKeys, readKeysFile } from './keys-file.ts';
import type { UltraConfig } from './types.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses and validates config text (and reads `auth.keys_file` when set). Throws
 * {@link ConfigError} listing every problem as `path: what is wrong`.
 * @param source a file path or name used in messages
 * @param env the environment, for provider keys (`api_key_env`) and `REDIS_URL`
 */
export function parseConfig(text: string, source: string, env: Env): UltraConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const what = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return `${pos ? `line ${pos.line}, column ${pos.col}` : 'YAML'}: ${what}`;
      }),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = fileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    // Name-level problems too, so one run lists everything wrong with the file.
    const more = crossCheck(lenient(raw));
    throw new ConfigError(source, [...formatIssues(fileSchema, parsed.error.issues), ...more]);
  }
  const path = parsed.data.auth.keys_file;
  const fromFile = path === undefined ? undefined : { path, ...readKeysFile(path) };
  const merged = mergeKeys(parsed.data.auth.keys, fromFile);
  const file = { ...parsed.data, auth: { ...parsed.data.auth, keys: merged.keys } };
  const problems = [...(fromFile?.problems ?? []), ...merged.problems, ...crossCheck({ ...file, weights: file.failover.weights, keyCount: merged.keys.length })];
  if (problems.length > 0) throw new ConfigError(source, problems);
  return resolve(file, env, source);
}

/**
 * Loads the config from `file`, else `ULTRA_CONFIG`, else the built-in default (the
 * action plan's block).
 */
export function loadConfig(options: { file?: string | undefined; env: Env }): UltraConfig {
  const file = options.file ?? options.env['ULTRA_CONFIG'];
  if (!file) return parseConfig(DEFAULT_CONFIG_YAML, DEFAULT_SOURCE, options.env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = errnoCode(e);
    throw new ConfigError(file, [`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`}`]);
  }
  return parseConfig(text, file, options.env);
}
