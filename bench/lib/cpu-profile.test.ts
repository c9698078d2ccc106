import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile } from './cpu-profile.ts';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url, lineNumber: 9, columnNumber: 0 },
  children,
});

/** root → handler (router) → encode (protobuf); root → (garbage collector); root → (idle). */
function profileFile(): string {
  const profile = {
    nodes: [
      frame(1, '(root)', '', [2, 4, 5]),
      frame(2, 'handler', 'file:///repo/services/router/src/flow/complete.ts', [3]),
      frame(3, 'toBinary', 'file:///repo/node_modules/@bufbuild/protobuf/dist/esm/to-binary.js'),
      frame(4, '(garbage collector)', ''),
      frame(5, '(idle)', ''),
    ],
    startTime: 1_000,
    endTime: 1_000 + 10 * 100,
    // Ten samples 100 µs apart: handler ×2, toBinary ×3, gc ×1, idle ×4.
    samples: [2, 2, 3, 3, 3, 4, 5, 5, 5, 5],
    timeDeltas: [0, 100, 100, 100, 100, 100, 100, 100, 100, 100],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'bench-prof-test-')), 'p.cpuprofile');
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

describe('summarizeProfile', () => {
  it('gives self and inclusive time per function, by group, and the suspects', () => {
    const s = summarizeProfile(profileFile(), [{ name: 'protobuf', test: (g) => g === '@bufbuild/protobuf' }]);
    expect(s.samples).toBe(10);
    expect(s.windowMs).toBeCloseTo(1);
    expect(s.busyPct).toBeCloseTo(60);
    const top = s.topSelf.map((f) => [f.name, Math.round(f.selfPct)]);
    expect(top.slice(0, 3)).toEqual([
      ['toBinary', 30],
      ['handler', 20],
      ['(garbage collector)', 10],
    ]);
    const handler = s.topOwnInclusive.find((f) => f.name === 'handler')!;
    expect([handler.where, Math.round(handler.totalPct)]).toEqual(['services/router/src/flow/complete.ts', 50]);
    expect(s.groups[0]).toEqual({ group: '@bufbuild/protobuf', selfPct: 30 });
    expect(Math.round(s.suspects[0]!.pct)).toBe(30);
  });

  it('counts only samples inside the window when one is given', () => {
    const s = summarizeProfile(profileFile(), [], { fromUs: 1_000, toUs: 1_250 });
    expect(s.samples).toBe(3);
    expect(s.topSelf.filter((f) => f.selfPct > 0).map((f) => f.name)).toEqual(['handler', 'toBinary']);
  });
});
