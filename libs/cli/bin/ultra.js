#!/usr/bin/env node
// The `ultra` command. Ultra is TypeScript run through tsx's loader, so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`ultra: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
