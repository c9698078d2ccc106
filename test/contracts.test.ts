import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '@ultra/testkit';

const buf = repoPath('node_modules/.bin/buf');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('protobuf contracts', () => {
  it('pass buf lint (STANDARD)', () => {
    expect(() => execFileSync(buf, ['lint'], { cwd: repoPath('.'), stdio: 'pipe' })).not.toThrow();
  });

  it('make no breaking change against the shipped baseline (buf breaking, FILE rules; npm run contracts:baseline after a deliberate new major version)', () => {
    const run = () => execFileSync(buf, ['breaking', '--against', 'libs/contracts/baseline.binpb'], { cwd: repoPath('.'), stdio: 'pipe' });
    try {
      run();
    } catch (e) {
      throw new Error(`buf breaking:\n${String((e as { stdout?: Buffer }).stdout ?? e)}`);
    }
  });

  it('match the committed generated code (run npm run generate when this fails)', () => {
    const out = mkdtempSync(join(tmpdir(), 'ultra-gen-'));
    execFileSync(buf, ['generate', '--output', out], { cwd: repoPath('.'), stdio: 'pipe' });
    const fresh = join(out, 'libs/contracts/src/gen');
    const committed = repoPath('libs/contracts/src/gen');
    const names = (dir: string) => files(dir).map((f) => relative(dir, f)).sort();
    expect(names(committed)).toEqual(names(fresh));
    for (const name of names(fresh)) {
      expect(readFileSync(join(committed, name), 'utf8'), name).toBe(readFileSync(join(fresh, name), 'utf8'));
    }
  });

  it('are made with create() or clone(), never from object literals carrying $typeName, outside the generated code', () => {
    const sources = ['libs', 'services', 'test', 'bench']
      .flatMap((dir) => files(repoPath(dir)))
      .filter((f) => /\.ts$/.test(f) && !f.includes('/node_modules/') && !f.includes('/gen/'));
    const literal = /\$typeName\s*:/;
    const offenders = sources.filter((f) => literal.test(readFileSync(f, 'utf8'))).map((f) => relative(repoPath('.'), f));
    expect(offenders).toEqual([]);
  });
});
