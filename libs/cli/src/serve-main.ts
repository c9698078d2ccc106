import { serve, serviceNames } from './serve.ts';

// The one process of topology single under `ultra start` (as `ultra serve` runs it):
// the service names, then --config FILE.
const names = serviceNames(process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--')));
if (typeof names === 'string') {
  process.stderr.write(`ultra serve: ${names}\n`);
  process.exit(2);
}
await serve(names);
