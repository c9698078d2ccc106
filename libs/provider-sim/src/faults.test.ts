import { describe, expect, it } from 'vitest';
import { NO_FAULTS, parseFaults } from './faults.ts';

describe('parseFaults', () => {
  it('fills defaults; an error status alone fails every request', () => {
    expect(NO_FAULTS).toMatchObject({ errorRate: 0, latencyMs: 0, jitterMs: 0, hang: false, closeConnection: false, malformedJson: false, chunkDelayMs: 0, chunks: 4 });
    expect(parseFaults({ errorStatus: 503 })).toMatchObject({ ok: true, faults: { errorRate: 1, errorStatus: 503 } });
    expect(parseFaults({ errorKind: 'context_length' })).toMatchObject({ ok: true, faults: { errorRate: 1 } });
    expect(parseFaults({ errorStatus: 503, errorRate: 0.25 })).toMatchObject({ ok: true, faults: { errorRate: 0.25 } });
  });

  it('names every bad field', () => {
    const result = parseFaults({ errorRate: -1, chunks: 1.5, extra: true });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain('errorRate:');
      expect(result.error).toContain('chunks:');
      expect(result.error).toContain('extra');
    }
    expect(parseFaults([])).toMatchObject({ ok: false });
  });
});
