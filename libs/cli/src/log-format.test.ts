import { describe, expect, it } from 'vitest';
import { formatLine } from './log-format.ts';

describe('formatLine', () => {
  it('renders a pino line as time, service, level and message, with the error', () => {
    const line = JSON.stringify({ time: '2026-01-01T12:00:01.000Z', level: 40, msg: 'redis slow', err: { message: 'timeout' }, service: 'cache' });
    expect(formatLine('cache', 0, line, false)).toBe(`12:00:01 ${'cache'.padEnd(14)} warn  redis slow (timeout)`);
  });

  it('names the service a line is from when one process serves several', () => {
    const line = JSON.stringify({ level: 30, msg: 'up', service: 'router', err: 'plain' });
    expect(formatLine('ultra', 0, line, false)).toBe(` ${'router'.padEnd(14)} info  up (plain)`);
  });

  it('passes through what is not JSON, and JSON fields of the wrong type count as absent', () => {
    expect(formatLine('health', 2, '{not json', false)).toBe(`${' '.repeat(8)} ${'health'.padEnd(14)} {not json`);
    expect(formatLine('health', 2, JSON.stringify({ time: 5, level: 'loud', msg: 'x', err: 7 }), false)).toBe(` ${'health'.padEnd(14)} info  x`);
  });
});
