import { parseArgs } from 'node:util';
import { serve, serviceNames } from './serve.ts';

// The one process of topology single under `ultra start` (as `ultra serve` runs it):
// the service names, and --config FILE (read again by runServices).
const { positionals } = parseArgs({ options: { config: { type: 'string' } }, allowPositionals: true, strict: false });
const names = serviceNames(positionals);
if (typeof names === 'string') {
  process.stderr.write(`ultra serve: ${names}\n`);
  process.exit(2);
}
await serve(names);
