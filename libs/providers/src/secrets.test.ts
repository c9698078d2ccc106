import { createServer, type Server } from 'node:http';
import { createSimulator, type FaultsInput, type Simulator } from '@ultra/provider-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProviderError } from './provider-error.ts';
import { createAdapter } from './registry.ts';
import { closedPort } from './testing/contract.ts';
import { chat, drain, ENDPOINT_TYPES, renderings, simEndpoint } from './testing/support.ts';

const KEY = 'sk-ultra-SECRET-0123456789abcdef';
const SIM_KEY = 'the-key-the-simulator-wants';
/** Faults under which calls fail while carrying the key. */
const FAULTS: FaultsInput[] = [
  { errorStatus: 429 },
  { errorStatus: 500 },
  { errorKind: 'context_length' },
  { closeConnection: true },
  { malformedJson: true },
  { cutStreamAfterChunks: 1 },
  { hang: true },
];

/**
 * The key must never show in an error's message, cause, String(), JSON or inspect output,
 * even when a provider echoes it back (masked, or whole, as a broken proxy might).
 */
describe('the API key never appears in errors', () => {
  let sim: Simulator;
  let simRoot: string;
  let echo: Server;
  let echoRoot: string;

  beforeAll(async () => {
    sim = createSimulator({ apiKey: SIM_KEY });
    simRoot = (await sim.listen()).url;
    echo = createServer((req, res) => {
      const seen = JSON.stringify(req.headers);
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `bad key ${seen}`, type: 'x', code: 'x' }, message: `bad key ${seen}` }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoRoot = `http://127.0.0.1:${(echo.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await sim.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  it.each(ENDPOINT_TYPES)('for %s', async (type) => {
    const errors: unknown[] = [];
    const collect = async (root: string, name: string, ms = 3000) => {
      const adapter = createAdapter(simEndpoint(root, name, type, KEY));
      await adapter.complete('m', chat('hi'), { signal: AbortSignal.timeout(ms) }).catch((e: unknown) => errors.push(e));
      errors.push((await drain(adapter.stream('m', chat('hi'), { signal: AbortSignal.timeout(ms) }))).error);
      await adapter.probe({ signal: AbortSignal.timeout(ms) }).catch((e: unknown) => errors.push(e));
    };
    await collect(simRoot, `wrong-key-${type}`);
    await collect(echoRoot, `echo-${type}`);
    await collect(`http://127.0.0.1:${await closedPort()}`, `dead-${type}`);
    const right = createSimulator();
    const rightRoot = (await right.listen()).url;
    try {
      for (const [i, faults] of FAULTS.entries()) {
        right.setFaults(`f${i}-${type}`, faults);
        await collect(rightRoot, `f${i}-${type}`, faults.hang ? 100 : 3000);
      }
    } finally {
      await right.close();
    }
    const failures = errors.filter((e) => e !== undefined);
    expect(failures.length).toBeGreaterThanOrEqual(25);
    for (const e of failures) {
      expect(isProviderError(e)).toBe(true);
      for (const text of renderings(e)) {
        expect(text).not.toContain(KEY);
        expect(text).not.toContain(KEY.slice(-12));
      }
    }
  });
});
