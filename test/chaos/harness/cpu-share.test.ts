import { describe, expect, it } from 'vitest';
import { cpuBetween, cpuLine, cpuMark, type CpuMark } from './cpu-share.ts';

const at = (t: number, busy: number, ms: Record<'router' | 'agent' | 'cache' | 'health', [number, number]>): CpuMark => ({
  at: t,
  machine: { busy, total: t * 2 },
  services: {
    router: { pid: ms.router[0], ms: ms.router[1] },
    agent: { pid: ms.agent[0], ms: ms.agent[1] },
    cache: { pid: ms.cache[0], ms: ms.cache[1] },
    health: { pid: ms.health[0], ms: ms.health[1] },
  },
});

describe('CPU share of a phase', () => {
  it("splits the machine's busy time into Ultra's services and everything else, in cores", () => {
    const a = at(1_000, 5_000, { router: [10, 100], agent: [11, 200], cache: [12, 50], health: [13, 10] });
    const b = at(3_000, 8_400, { router: [10, 1_000], agent: [11, 800], cache: [12, 250], health: [13, 50] });
    const s = cpuBetween(a, b, 2)!;
    expect(s.machine).toBeCloseTo(1.7);
    expect(s.services).toEqual({ router: 0.45, agent: 0.3, cache: 0.1, health: 0.02 });
    expect(s.ultra).toBeCloseTo(0.87);
    expect(s.other).toBeCloseTo(0.83);
    expect(cpuLine(s)).toBe('1.7 of 2 CPUs busy: Ultra\'s services 0.87 (router 0.45, agent 0.30, cache 0.10, health 0.02), everything else 0.83');
  });

  it('counts a service restarted in between from its new start, and nothing where /proc is missing', () => {
    const a = at(0, 0, { router: [10, 100], agent: [11, 900], cache: [12, 0], health: [13, 0] });
    const b = at(1_000, 1_000, { router: [10, 300], agent: [99, 150], cache: [12, 0], health: [13, 0] });
    expect(cpuBetween(a, b, 2)!.services.agent).toBeCloseTo(0.15);
    expect(cpuBetween({ ...a, machine: undefined }, b, 2)).toBeUndefined();
  });

  it('reads this process as a service on Linux', () => {
    const m = cpuMark({ router: process.pid, agent: process.pid, cache: process.pid, health: process.pid });
    expect(m.services.router.ms).toBeGreaterThan(0);
    expect(m.machine!.total).toBeGreaterThan(m.machine!.busy);
  });
});
