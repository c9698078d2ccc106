import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SERVICES = readdirSync(join(ROOT, 'services'));
const servicePackages = new Map(SERVICES.map((dir) => [JSON.parse(readFileSync(join(ROOT, 'services', dir, 'package.json'), 'utf8')).name as string, dir]));

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/** The package an import names: `@ultra/router/start` → `@ultra/router`. */
const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);

/**
 * The one lib allowed to import services: the cli is the composition root, whose `ultra
 * serve` runs services in one process (through each service's `start` export, never its internals).
 */
const COMPOSES_SERVICES = new Set(['cli']);

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

/** Every import of `file` that leaves its own service: another service's package, or a relative path out of its folder. */
function strayImports(service: string, file: string): string[] {
  const stray: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? '';
    const other = servicePackages.get(packageOf(spec));
    if (other !== undefined && other !== service) stray.push(`${spec} (services/${other})`);
    if (spec.startsWith('.') && relative(join(ROOT, 'services', service), resolve(file, '..', spec)).startsWith('..')) stray.push(spec);
  }
  return stray;
}

describe('the package graph', () => {
  it('services import libs, never each other', () => {
    const found: string[] = [];
    for (const service of SERVICES) {
      for (const file of sources(join(ROOT, 'services', service, 'src'))) {
        for (const spec of strayImports(service, file)) found.push(`${relative(ROOT, file)}: ${spec}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('libs import no service', () => {
    const found: string[] = [];
    for (const lib of readdirSync(join(ROOT, 'libs'))) {
      for (const file of sources(join(ROOT, 'libs', lib, 'src'))) {
        for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
          const spec = m[1] ?? m[2] ?? '';
          const composed = COMPOSES_SERVICES.has(lib) && servicePackages.has(packageOf(spec)) && spec.endsWith('/start');
          if (!composed && (servicePackages.has(packageOf(spec)) || /(^|\/)services\//.test(spec))) found.push(`${relative(ROOT, file)}: ${spec}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('the cli reaches a service only through its start export', () => {
    const found: string[] = [];
    for (const file of sources(join(ROOT, 'libs', 'cli', 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? '';
        if (servicePackages.has(packageOf(spec))) found.push(spec);
      }
    }
    // (if this finds nothing, ultra serve no longer composes services and the exception above can go)
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((spec) => !spec.endsWith('/start'))).toEqual([]);
  });
});
