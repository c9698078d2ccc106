import { describe, expect, it } from 'vitest';
import { heapGrowthFlag } from './heap-growth.ts';

describe('services.heap_growth', () => {
  it('is V8 flag --heap-growing-percent, the ratio less one in per cent; 0 leaves V8 to choose', () => {
    expect(heapGrowthFlag(1.5)).toBe('--heap-growing-percent=50');
    expect(heapGrowthFlag(1.25)).toBe('--heap-growing-percent=25');
    expect(heapGrowthFlag(4)).toBe('--heap-growing-percent=300');
    expect(heapGrowthFlag(0)).toBeUndefined();
  });
});
