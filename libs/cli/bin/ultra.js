#!/usr/bin/env node
// The `ultra` command. It runs the compiled JavaScript (dist/, made by `npm run build`, which
// `npm ci` runs) when it is there, else, or with ULTRA_SOURCE=1, the TypeScript source
// through tsx (the `ultra-source` export condition points every @ultra/* package at its src/).
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const compiled = new URL('../dist/main.js', import.meta.url);
const fromSource = process.env.ULTRA_SOURCE === '1' || !existsSync(compiled);
if (fromSource) {
  register(new URL('./source-conditions.js', import.meta.url));
  (await import('tsx/esm/api')).register();
}
// `ultra serve` runs services in this process: the OpenTelemetry SDK must load before them.
if (process.argv[2] === 'serve') await import('@ultra/telemetry/instrumentation');
const { main } = await import(fromSource ? '../src/main.ts' : '../dist/main.js');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`ultra: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
