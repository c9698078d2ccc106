import { performance } from 'node:perf_hooks';
import { readCpuMs, readMachineCpuMs } from '@ultra/testkit';
import type { ServiceName } from './chaos-stack.ts';

/** The CPU Ultra's services and everything else on the machine took over one phase of a run, in cores (1 = one CPU busy all along). */
export interface CpuShare {
  /** The whole machine, every process. */
  machine: number;
  /** The four services together, and each. */
  ultra: number;
  services: Record<ServiceName, number>;
  /** The rest: the simulator, Redis, the fault proxy, the harness and its load, any extra load a scenario runs, anyone else's work. */
  other: number;
  /** CPUs the machine has. */
  cpus: number;
}

/** CPU times read at one moment: the machine's, and each service's with its pid (a restarted service has a new one). */
export interface CpuMark {
  at: number;
  machine: { busy: number; total: number } | undefined;
  services: Record<ServiceName, { pid: number; ms: number | undefined }>;
}

export function cpuMark(pids: Record<ServiceName, number>): CpuMark {
  const read = (name: ServiceName) => ({ pid: pids[name], ms: readCpuMs(pids[name]) });
  return { at: performance.now(), machine: readMachineCpuMs(), services: { router: read('router'), agent: read('agent'), cache: read('cache'), health: read('health') } };
}

/** The share between two marks; undefined where /proc is not there to read. */
export function cpuBetween(a: CpuMark, b: CpuMark, cpus: number): CpuShare | undefined {
  const wall = b.at - a.at;
  if (!a.machine || !b.machine || wall <= 0) return undefined;
  const one = (name: ServiceName) => {
    const [x, y] = [a.services[name], b.services[name]];
    // A service restarted in between: what the new process took since it started (the old one's last moments are lost).
    const ms = x.pid === y.pid ? (y.ms ?? x.ms ?? 0) - (x.ms ?? 0) : (y.ms ?? 0);
    return Math.max(0, ms) / wall;
  };
  const services = { router: one('router'), agent: one('agent'), cache: one('cache'), health: one('health') };
  const ultra = services.router + services.agent + services.cache + services.health;
  const machine = (b.machine.busy - a.machine.busy) / wall;
  return { machine, ultra, services, other: Math.max(0, machine - ultra), cpus };
}

/** For people: `1.7 of 2 CPUs busy: Ultra 0.9 (router 0.45, agent 0.30, cache 0.12, health 0.03), everything else 0.8`. */
export function cpuLine(s: CpuShare): string {
  const f = (v: number) => v.toFixed(2);
  return `${s.machine.toFixed(1)} of ${s.cpus} CPUs busy: Ultra's services ${f(s.ultra)} (router ${f(s.services.router)}, agent ${f(s.services.agent)}, cache ${f(s.services.cache)}, health ${f(s.services.health)}), everything else ${f(s.other)}`;
}
