import type { FaultsInput } from '@ultra/provider-sim';
import type { ChaosProvider } from './chaos-config.ts';
import type { ChaosStack } from './chaos-stack.ts';
import type { CpuShare } from './cpu-share.ts';
import type { Edges } from './edges.ts';
import type { JobFigures } from './jobs.ts';
import type { LoadOptions } from './load.ts';
import type { Observations } from './observers.ts';
import type { Sample } from './send.ts';
import type { PhaseFigures } from './stats.ts';

/** How long each part of a run lasts, ms. */
export interface Phases {
  /** Steady load before the fault: the baseline. Default 3000. */
  beforeMs: number;
  /** Load with the fault on. Default 8000. */
  faultMs: number;
  /** Load after the fault is removed: recovery. Default 12 000. */
  afterMs: number;
}

/** How long after the fault began the `settled` figures start, ms. */
export const SETTLE_MS = 10_000;

export const defaultPhases: Phases = Object.freeze({ beforeMs: 3_000, faultMs: 8_000, afterMs: 12_000 });

/** What a scenario's fault can reach. */
export interface FaultContext {
  readonly stack: ChaosStack;
  /** The fault proxies, through the Toxiproxy API. */
  readonly edges: Edges;
  /** Sets a simulated provider's own faults (error statuses, Retry-After): what no proxy can fake. */
  simFaults(provider: ChaosProvider, faults: FaultsInput): Promise<void>;
  clearSimFaults(provider: ChaosProvider): Promise<void>;
  /** ms since the run's start. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A progress line. */
  log(line: string): void;
}

/** Takes the fault away again. */
export type Removal = () => Promise<void>;

/** The figures of one run, which bounds judge. */
export interface Figures {
  before: PhaseFigures;
  during: PhaseFigures;
  /** Requests sent from {@link SETTLE_MS} after the fault began until its removal: once Ultra has had time to adapt. Empty for shorter faults. */
  settled: PhaseFigures;
  after: PhaseFigures;
  /** ms from the fault until the agent took the target out: its breaker opened, or (without one) probes marked it unhealthy. */
  isolation?: { ms: number; how: 'breaker open' | 'unhealthy' } | undefined;
  /** Calls that reached the target from {@link SETTLE_MS} after the fault began until it ended. */
  callsSettled?: { count: number; source: 'simulator' | 'attempts' } | undefined;
  /** Calls that reached the target after it was taken out and before the fault ended. */
  callsAfterIsolation?: { count: number; source: 'simulator' | 'attempts' } | undefined;
  /** ms from the fault's removal until clients were served as before (and the target answered again); undefined: not within the run. */
  recoveryMs?: number | undefined;
  clientRecoveryMs?: number | undefined;
  backInRotationMs?: number | undefined;
  /** Mode changes the health service published from the fault on, e.g. `NORMAL→DEGRADED`. */
  modeChanges: string[];
  /** Modes the clients were told, in order, repeats collapsed. */
  clientModes: string[];
  /**
   * Jobs submitted through SubmitJob during the run and what became of them; `lost` is
   * undefined when there is no queue to check. `deferred`: front-door requests answered
   * 202 (deferred by the mode).
   */
  jobs: Omit<Partial<JobFigures>, 'lost'> & { deferred: number; lost?: number | undefined };
}

/** One pass bound, checked against the figures. */
export interface Bound {
  readonly label: string;
  check(f: Figures): { ok: boolean; actual: string };
}

/** One scenario of the matrix. */
export interface Scenario {
  /** kebab-case, also the file and chart name. */
  name: string;
  title: string;
  /** What is injected, and through what. */
  fault: string;
  /** What Ultra is expected to do about it, in a sentence. */
  expect: string;
  /** The provider the fault is on, for isolation, calls after isolation and back-in-rotation. */
  target?: ChaosProvider;
  /** Where calls reaching the target are counted: the simulator (when requests still reach it) or the router's attempts (when the link is cut). */
  countCallsBy?: 'simulator' | 'attempts';
  load?: Partial<LoadOptions>;
  /**
   * The timing keys of the config (health_check, failover, retry, modes, shutdown) in place
   * of `CHAOS_TUNING`, the action plan's scaled down 30×: e.g. `DEFAULTS_TUNING`, for a
   * scenario that must hold on the timeouts users run.
   */
  tuning?: string;
  phases?: Partial<Phases>;
  /**
   * Requests sent before the measured load starts (8 callers at the load's priority), so
   * that the services run code V8 has compiled and optimized, as on a server that has been
   * up a while, rather than the interpreted code of a stack that has answered a few dozen
   * requests: for scenarios whose bounds are latencies under Ultra's own load. Default 0.
   */
  warmup?: number;
  /** Simulator faults for the whole run, baseline included (e.g. slower streams). */
  baseline?: Partial<Record<ChaosProvider, FaultsInput>>;
  /**
   * The fault lasts until its removal is done (a restarted process is ready), not until
   * the removal starts: for faults whose removal takes a while and is not the system's
   * own doing. Default false.
   */
  faultEndsWhenRemoved?: boolean;
  /** Injects the fault; resolves to what removes it. */
  inject(ctx: FaultContext): Promise<Removal>;
  /**
   * Gets the fault ready before the load starts, for one whose own start-up would load the
   * machine (a client process compiling its modules); resolves to what then injects it, in
   * place of `inject`.
   */
  prepare?(ctx: FaultContext): Promise<() => Promise<Removal>>;
  /** Overrides "the target answered again" as the sign that the faulty part is back. */
  backWhen?: (s: Sample) => boolean;
  bounds: readonly Bound[];
}

/** What one run of a scenario produced. */
export interface ScenarioResult {
  scenario: Scenario;
  startedAt: Date;
  /** Wall time of the whole run, stack start and stop included, ms. */
  wallMs: number;
  phases: Phases;
  faultAt: number;
  clearAt: number;
  endAt: number;
  /** How long the removal itself took (a restart, say), ms. */
  removalMs: number;
  figures: Figures;
  bounds: { label: string; ok: boolean; actual: string }[];
  pass: boolean;
  samples: Sample[];
  observations: Observations;
  /** The machine's 1-minute load average when the run started and when the load stopped. */
  loadAverage: [number, number];
  /** Share of the machine's CPU (0..1) busy over the 2 s before the stack started, all of it someone else's. */
  busyBefore?: number | undefined;
  /** The CPU the services and everything else took before the fault and during it (until its removal started). */
  cpu?: { before: CpuShare | undefined; during: CpuShare | undefined };
  /** Why the run could not be judged (the stack did not start, say). */
  error?: string;
}
