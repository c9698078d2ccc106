import { describe, expect, it } from 'vitest';
import { runScenario } from './harness/run-scenario.ts';
import { CI_SUBSET, SCENARIOS } from './scenarios/index.ts';

/**
 * The chaos matrix's fast subset, run by `npm test` on every push, after the main suite and
 * on its own (test/chaos/vitest.config.ts): each scenario starts its own stack (every
 * service its own process, a fault proxy on every edge), runs 20 requests/s on loopback
 * through the fault and its recovery (~25 s of load, ~30 s with the stack), and fails on
 * any of its bounds, printing every figure. The whole matrix is `npm run chaos`.
 */
describe('chaos matrix (CI subset)', () => {
  for (const name of CI_SUBSET) {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) throw new Error(`CI_SUBSET names an unknown scenario: ${name}`);
    it(`${scenario.title}: ${scenario.expect}`, async () => {
      // Waits up to 10 s for the processes of the suite before it to wind down.
      const r = await runScenario(scenario, { log: () => undefined, quietWaitMs: 10_000 });
      expect(r.error, r.error).toBeUndefined();
      const lines = r.bounds.map((b) => `${b.ok ? 'ok  ' : 'FAIL'} ${b.label}: ${b.actual}`);
      expect(r.bounds.filter((b) => !b.ok).map((b) => b.label), `${scenario.name}\n${lines.join('\n')}`).toEqual([]);
    });
  }
});
