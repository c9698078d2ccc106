import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogOutput } from './log-output.ts';

describe('createLogOutput', () => {
  it('writes every line, in order, and drains', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ultra-log-')), 'out.log');
    const fd = openSync(file, 'w');
    const out = createLogOutput(fd);
    for (let i = 0; i < 500; i++) out.stream.write(`{"n":${i}}\n`);
    await out.drain(5_000);
    closeSync(fd);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(500);
    expect(lines[0]).toBe('{"n":0}');
    expect(lines[499]).toBe('{"n":499}');
    expect(out.broken).toBe(false);
  });

  it('a failing output (ENOSPC here, EPIPE when the reader is gone) drops lines and never throws or waits', async () => {
    const fd = openSync('/dev/full', 'w');
    const out = createLogOutput(fd);
    out.stream.write('{"msg":"first"}\n');
    await out.drain(60_000); // resolves at the failure, not at the bound
    expect(out.broken).toBe(true);
    expect(() => out.stream.write('{"msg":"after"}\n')).not.toThrow();
    await out.drain(60_000);
    closeSync(fd);
  });

  it('abandon ends a drain at once and drops what is queued', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ultra-log-')), 'out.log');
    const fd = openSync(file, 'w');
    const out = createLogOutput(fd, { maxQueuedBytes: 64 });
    out.stream.write(`${'x'.repeat(40)}\n`);
    out.stream.write(`${'y'.repeat(40)}\n`); // beyond 64 queued bytes: dropped and counted
    const drained = out.drain(60_000);
    out.abandon();
    await drained;
    out.stream.write('{"msg":"after"}\n');
    await out.drain(60_000);
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).not.toContain('after');
  });
});
