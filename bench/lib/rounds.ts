import { closedLoop, type Fire } from './closed-loop.ts';
import { createRecorder, type Recorder, type Summary } from './samples.ts';

/** One path measured in rounds. */
export interface Subject {
  name: string;
  fire: Fire;
  /** Most requests over all rounds (e.g. the keys prepared for it), spread evenly over the rounds left. */
  limit?: number;
}

/** What one subject did over every round. */
export interface SubjectRun {
  name: string;
  ok: Recorder;
  completed: number;
  errors: number;
  errorSamples: string[];
  /** Time spent in this subject's blocks, in ms. */
  elapsedMs: number;
  /** CPU ms used per process (by name) during this subject's blocks. */
  cpuMs: Record<string, number>;
}

/** Figures of one subject, ready for the report. */
export interface SubjectFigures extends Summary {
  rps: number;
  errors: number;
  /** CPU per request in each process, in µs. */
  cpuUsPerRequest: Record<string, number>;
}

export function figuresOf(run: SubjectRun): SubjectFigures {
  const cpuUsPerRequest: Record<string, number> = {};
  for (const [name, ms] of Object.entries(run.cpuMs)) cpuUsPerRequest[name] = run.completed > 0 ? Math.round((ms * 1000) / run.completed) : 0;
  return { ...run.ok.summary(), rps: run.elapsedMs > 0 ? (run.completed * 1000) / run.elapsedMs : 0, errors: run.errors, cpuUsPerRequest };
}

export interface RoundsOptions {
  rounds: number;
  /** Requests per subject per round. */
  perBlock: number;
  /** A block also ends after this many ms, so a busy machine cannot stretch the run (default: no limit). */
  blockMs?: number;
  concurrency: number;
  /** CPU ms used so far per process, read before and after each block. */
  cpu?: () => Record<string, number>;
  /** Called after each round, for progress. */
  onRound?: (round: number, runs: SubjectRun[]) => void;
}

/**
 * Runs the subjects block after block, round after round, rotating which goes first
 * in each round, so that whatever the machine does in the meantime (another process
 * waking up, a GC, the CPU clocking down) lands on every subject alike.
 */
export async function runRounds(subjects: readonly Subject[], options: RoundsOptions): Promise<Map<string, SubjectRun>> {
  const runs = new Map<string, SubjectRun>(
    subjects.map((s) => [s.name, { name: s.name, ok: createRecorder(options.rounds * options.perBlock), completed: 0, errors: 0, errorSamples: [], elapsedMs: 0, cpuMs: {} }]),
  );
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const subject = subjects[(round + k) % subjects.length]!;
      const run = runs.get(subject.name)!;
      const before = options.cpu?.();
      const offset = run.completed + run.errors;
      const left = subject.limit === undefined ? options.perBlock : Math.min(options.perBlock, Math.floor((subject.limit - offset) / (options.rounds - round)));
      if (left <= 0) continue;
      const r = await closedLoop((i) => subject.fire(offset + i), {
        concurrency: options.concurrency,
        total: left,
        ...(options.blockMs === undefined ? {} : { durationMs: options.blockMs }),
        ok: run.ok,
      });
      const after = options.cpu?.();
      run.completed += r.completed;
      run.errors += r.errors;
      run.elapsedMs += r.elapsedMs;
      for (const e of r.errorSamples) if (run.errorSamples.length < 5 && !run.errorSamples.includes(e)) run.errorSamples.push(e);
      if (before && after) for (const [name, ms] of Object.entries(after)) run.cpuMs[name] = (run.cpuMs[name] ?? 0) + ms - (before[name] ?? ms);
    }
    options.onRound?.(round, [...runs.values()]);
  }
  return runs;
}
