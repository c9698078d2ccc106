import { readMachineCpuMs } from '@ultra/testkit';
import { readCpuMs, readMemory } from './processes.ts';

/** Processes watched, by name → pid. */
export type Pids = ReadonlyMap<string, number>;

/** The highest resident set seen per process while it runs, by sampling /proc. */
export interface MemoryWatch {
  /** Highest VmRSS sampled so far per process, in MB. */
  peaks(): Record<string, number>;
  /** Starts a new phase: {@link phasePeaks} then covers only what comes after. */
  startPhase(): void;
  /** Highest VmRSS sampled per process since the last {@link startPhase}, in MB. */
  phasePeaks(): Record<string, number>;
  /** VmRSS now per process, in MB. */
  now(): Record<string, number>;
  /** VmHWM (lifetime high-water mark, start-up included) per process, in MB. */
  highWater(): Record<string, number>;
  stop(): void;
}

export function watchMemory(pids: () => Pids, everyMs = 250): MemoryWatch {
  const peak: Record<string, number> = {};
  let phase: Record<string, number> = {};
  const sample = () => {
    for (const [name, pid] of pids()) {
      const m = readMemory(pid);
      if (!m) continue;
      if (!(m.rssMb <= (peak[name] ?? 0))) peak[name] = m.rssMb;
      if (!(m.rssMb <= (phase[name] ?? 0))) phase[name] = m.rssMb;
    }
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  const each = (read: (pid: number) => number | undefined) => {
    const out: Record<string, number> = {};
    for (const [name, pid] of pids()) {
      const v = read(pid);
      if (v !== undefined) out[name] = v;
    }
    return out;
  };
  return {
    peaks: () => (sample(), { ...peak }),
    startPhase: () => {
      phase = {};
      sample();
    },
    phasePeaks: () => (sample(), { ...phase }),
    now: () => each((pid) => readMemory(pid)?.rssMb),
    highWater: () => each((pid) => readMemory(pid)?.hwmMb),
    stop: () => clearInterval(timer),
  };
}

/** CPU ms used so far per process, this one included as `bench`. */
export function cpuSnapshot(pids: Pids): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of pids) {
    const ms = readCpuMs(pid);
    if (ms !== undefined) out[name] = ms;
  }
  const own = process.cpuUsage();
  out['bench'] = (own.user + own.system) / 1000;
  return out;
}

/** CPU time the whole machine has spent busy (every CPU, all processes), in ms, from /proc/stat. */
export function machineBusyMs(): number {
  return readMachineCpuMs()?.busy ?? 0;
}
