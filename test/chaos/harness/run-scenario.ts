import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Mode } from '@ultra/contracts/chat';
import { ComponentStatus, HealthService } from '@ultra/contracts/health';
import type { FaultsInput } from '@ultra/provider-sim';
import { createServiceClient } from '@ultra/runtime';
import { closedLoop, waitFor } from '@ultra/testkit';
import { analyze } from './analyze.ts';
import { cpuBetween, cpuMark } from './cpu-share.ts';
import { startChaosStack, type ChaosStack } from './chaos-stack.ts';
import { startJobProbe } from './jobs.ts';
import { startLoad } from './load.ts';
import { startObservers } from './observers.ts';
import { waitForQuiet } from './quiet.ts';
import { defaultPhases, type FaultContext, type Removal, type Scenario, type ScenarioResult } from './scenario.ts';

/** Longest wait, after the load, for the run's jobs to reach a final state, ms. */
const JOB_SETTLE_MS = 20_000;
/** Callers of a scenario's warm-up. */
const WARMUP_CALLERS = 8;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

async function simFaults(simUrl: string, provider: string, faults: FaultsInput | undefined): Promise<void> {
  const url = `${simUrl}/_sim/providers/${provider}/faults`;
  const res = await fetch(url, faults ? { method: 'PUT', body: JSON.stringify(faults) } : { method: 'DELETE' });
  if (!res.ok) throw new Error(`simulator refused faults for ${provider}: ${res.status} ${await res.text()}`);
}

/** Waits until the front door answers and the health service says NORMAL with every component serving. */
async function waitSteady(stack: ChaosStack): Promise<void> {
  const health = createServiceClient(HealthService, { host: '127.0.0.1', port: stack.listen.health });
  await waitFor(
    async () => {
      const res = await fetch(`${stack.frontUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `warm-up ${performance.now()}` }] }),
      }).catch(() => undefined);
      if (res?.status !== 200) return false;
      const { status } = await health.getStatus({});
      const serving = (status?.components ?? []).every((c) => c.status === ComponentStatus.SERVING);
      return status?.mode === Mode.NORMAL && serving && (status.components.filter((c) => c.kind === 'provider').length ?? 0) === 4;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the chaos stack to be NORMAL with every component serving' },
  );
}

/** Options of {@link runScenario}. */
export interface RunOptions {
  log: (line: string) => void;
  /** Waits up to this long for the machine's load to settle before starting, ms. Default 0. */
  quietWaitMs?: number;
}

/** Starts the stack, once more if the first try fails (a free port taken in the meantime, say). */
async function startWithRetry(log: (line: string) => void, tuning: string | undefined): Promise<ChaosStack> {
  const options = tuning !== undefined ? { tuning } : {};
  try {
    return await startChaosStack(options);
  } catch (e) {
    log(`the stack did not start (${(e as Error).message.split('\n')[0]}); trying once more`);
    return startChaosStack(options);
  }
}

/**
 * Runs one scenario on a fresh stack: steady load, the fault, its removal, recovery;
 * then judges the figures by the scenario's bounds. Never throws: a run that could not
 * be carried out is a failed result with `error`.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const startedAt = new Date();
  const wall = performance.now();
  const phases = { ...defaultPhases, ...scenario.phases };
  const log = (line: string) => options.log(`[${scenario.name}] ${line}`);
  let stack: ChaosStack | undefined;
  let result: ScenarioResult;
  const base = { scenario, startedAt, phases, faultAt: 0, clearAt: 0, endAt: 0, removalMs: 0, samples: [], observations: { providers: [], modes: [], sim: [] } };
  try {
    const busyAtStart = await waitForQuiet(options.quietWaitMs ?? 0, log);
    const loadAtStart = os.loadavg()[0] ?? 0;
    const stackStart = performance.now();
    stack = await startWithRetry(log, scenario.tuning);
    const s = stack;
    for (const [p, f] of Object.entries(scenario.baseline ?? {})) await simFaults(s.simUrl, p, f);
    await waitSteady(s);
    if (scenario.warmup) {
      const warm = performance.now();
      const rounds = Math.ceil(scenario.warmup / WARMUP_CALLERS);
      const rs = await closedLoop({ url: s.frontUrl, callers: WARMUP_CALLERS, rounds, priority: scenario.load?.priority, label: `${scenario.name} warm-up` });
      log(`warm-up: ${rs.length} requests in ${((performance.now() - warm) / 1000).toFixed(1)} s, ${rs.filter((r) => r.status !== 200).length} not answered`);
    }
    log(`stack up in ${((performance.now() - stackStart) / 1000).toFixed(1)} s (machine ${busyAtStart === undefined ? '?' : Math.round(busyAtStart * 100)} % busy before it); load for ${(phases.beforeMs + phases.faultMs + phases.afterMs) / 1000} s`);
    let t0 = performance.now();
    const now = () => performance.now() - t0;
    const ctx: FaultContext = {
      stack: s,
      edges: s.edges,
      simFaults: (p, f) => simFaults(s.simUrl, p, f),
      clearSimFaults: (p) => simFaults(s.simUrl, p, scenario.baseline?.[p]),
      now,
      sleep,
      log,
    };
    const inject = scenario.prepare ? await scenario.prepare(ctx) : () => scenario.inject(ctx);
    const mark = () => cpuMark({ router: s.processes.router.proc.pid ?? 0, agent: s.processes.agent.proc.pid ?? 0, cache: s.processes.cache.proc.pid ?? 0, health: s.processes.health.proc.pid ?? 0 });
    t0 = performance.now();
    const atLoad = mark();
    const observers = startObservers({ agent: s.listen.agent, health: s.listen.health }, s.simUrl, now);
    const tag = `${scenario.name}-${startedAt.getTime()}`;
    const load = startLoad(s.frontUrl, scenario.load ?? {}, now, tag);
    const jobProbe = startJobProbe(s.listen.routerGrpc, tag);
    await sleep(phases.beforeMs);
    // The fault starts when its injection starts, and ends when its removal starts (a
    // restart's start-up time is part of the recovery).
    const faultAt = now();
    const atFault = mark();
    const removal: Removal = await inject();
    log(`fault on at +${(faultAt / 1000).toFixed(1)} s: ${scenario.fault}`);
    await sleep(faultAt + phases.faultMs - now());
    const removing = now();
    const atRemoval = mark();
    await removal();
    const removedAt = now();
    const clearAt = scenario.faultEndsWhenRemoved ? removedAt : removing;
    log(`fault off at +${(clearAt / 1000).toFixed(1)} s (removal took ${Math.round(removedAt - removing)} ms)`);
    // The recovery window starts once the removal is done (a restart may take a while).
    await sleep(removedAt + phases.afterMs - now());
    const endAt = now();
    const samples = await load.stop();
    const jobs = await jobProbe.finish(JOB_SETTLE_MS);
    const observations = await observers.stop();
    const figures = analyze(scenario, samples, observations, { faultAt, clearAt, endAt }, jobs);
    const bounds = scenario.bounds.map((b) => ({ label: b.label, ...b.check(figures) }));
    const pass = bounds.every((b) => b.ok);
    const cpus = os.availableParallelism();
    const cpu = { before: cpuBetween(atLoad, atFault, cpus), during: cpuBetween(atFault, atRemoval, cpus) };
    result = { ...base, wallMs: 0, faultAt, clearAt, endAt, removalMs: removedAt - removing, figures, bounds, pass, samples, observations, busyBefore: busyAtStart, loadAverage: [loadAtStart, os.loadavg()[0] ?? 0], cpu };
  } catch (e) {
    log(`could not run: ${(e as Error).message}`);
    const empty = { requests: 0, ok: 0, success: 0, fromCache: 0, silentTruncations: 0, deferred: 0, repeats: 0, repeatsOk: 0 };
    result = {
      ...base,
      wallMs: 0,
      figures: { before: empty, during: empty, settled: empty, after: empty, modeChanges: [], clientModes: [], jobs: { deferred: 0 } },
      bounds: [],
      pass: false,
      loadAverage: [os.loadavg()[0] ?? 0, os.loadavg()[0] ?? 0],
      error: (e as Error).stack ?? String(e),
    };
  } finally {
    await stack?.stop().catch((e: unknown) => log(`stopping the stack failed: ${(e as Error).message}`));
  }
  result.wallMs = performance.now() - wall;
  return result;
}
