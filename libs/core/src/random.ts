/** A source of uniform random numbers in [0, 1). Injected wherever domain code draws. */
export type Random = () => number;

/** The platform's random source. */
export const systemRandom: Random = () => Math.random();

/**
 * A small deterministic generator (mulberry32) for tests and reproducible runs.
 * @param seed any 32-bit integer
 */
export function createSeededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
