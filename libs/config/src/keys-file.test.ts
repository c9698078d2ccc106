import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems-of.ts';
import { DEFAULT_CONFIG_YAML, parseConfig } from './index.ts';

const H = (c: string) => `sha256:${c.repeat(64)}`;
const dir = mkdtempSync(join(tmpdir(), 'ultra-keys-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const LISTEN = 'services:\n  router: { grpc: 0.0.0.0:50051, http: 0.0.0.0:8080 }\n';

const problems = (yaml: string) => problemsOf(yaml);

describe('auth.keys_file', () => {
  it('adds the keys of a file (a mounted Secret) to auth.keys, so the router may listen beyond loopback', () => {
    const keys = file('keys.yaml', `- { name: team-a, hash: "${H('a')}", admin: true }\n- { name: team-b, hash: "${H('b')}", models: [chat] }\n`);
    const config = parseConfig(`${DEFAULT_CONFIG_YAML}${LISTEN}auth:\n  keys_file: ${keys}\n  keys: [{ name: inline, hash: "${H('c')}" }]\n`, 'test.yaml', {});
    expect(config.auth.keys.map((k) => [k.name, k.admin, k.models])).toEqual([
      ['inline', false, []],
      ['team-a', true, []],
      ['team-b', false, ['chat']],
    ]);
    expect(Buffer.from(config.auth.keys[1]!.hash).toString('hex')).toBe('a'.repeat(64));
  });

  it('names the file and the entry for every problem in it, never the values (they come from a Secret)', () => {
    const bad = file('bad.yaml', `- { name: team-a, hash: "sha256:nothex" }\n- { name: team-a, hash: "${H('b')}", admin: maybe }\n`);
    expect(problems(`${DEFAULT_CONFIG_YAML}auth: { keys_file: ${bad} }\n`)).toEqual([
      `auth.keys_file: ${bad}: [0].hash: must be "sha256:" and 64 lower-case hex digits (print one with: npx ultra hash-key)`,
      `auth.keys_file: ${bad}: [1].admin: expected true or false`,
    ]);
    const mapping = file('mapping.yaml', `keys: []\n`);
    expect(problems(`${DEFAULT_CONFIG_YAML}auth: { keys_file: ${mapping} }\n`)).toEqual([
      `auth.keys_file: ${mapping}: expected a list of keys (each { name, hash, ... }, as under auth.keys)`,
    ]);
    expect(problems(`${DEFAULT_CONFIG_YAML}${LISTEN}auth: { keys_file: ${join(dir, 'absent.yaml')} }\n`)).toEqual([
      `auth.keys_file: ${join(dir, 'absent.yaml')}: no such file`,
      'services.router.grpc: 0.0.0.0 is not a loopback address and auth.keys is empty; add client keys (make one with: npx ultra hash-key) or listen on 127.0.0.1',
      'services.router.http: 0.0.0.0 is not a loopback address and auth.keys is empty; add client keys (make one with: npx ultra hash-key) or listen on 127.0.0.1',
    ]);
    expect(problems(`${DEFAULT_CONFIG_YAML}auth: { keys_file: keys.yaml }\n`)).toEqual(['auth.keys_file: must be an absolute path, e.g. /etc/ultra/keys/keys.yaml']);
  });

  it('refuses a key name used both inline and in the file', () => {
    const keys = file('dup.yaml', `- { name: team-a, hash: "${H('a')}" }\n`);
    expect(problems(`${DEFAULT_CONFIG_YAML}auth:\n  keys_file: ${keys}\n  keys: [{ name: team-a, hash: "${H('b')}" }]\n`)).toEqual([
      `auth: key name "team-a" is used twice (auth.keys and ${keys})`,
    ]);
  });
});
