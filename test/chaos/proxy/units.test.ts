import { createSeededRandom } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { normalizeListen, splitHostPort } from './address.ts';
import { parseCliArgs } from './cli-args.ts';
import { toxiproxyUrl } from './toxiproxy-url.ts';
import { latencyDelay } from './toxics/latency.ts';
import { sliceEnds } from './toxics/slicer.ts';

describe('fault proxy: pure pieces', () => {
  it('slicer slices cover the data exactly, each within average ± variation', () => {
    const random = createSeededRandom(7);
    const ends = sliceEnds(10_000, { average_size: 100, size_variation: 20, delay: 0 }, random);
    const sizes = ends.map((end, i) => end - (ends[i - 1] ?? 0));
    expect(ends.at(-1)).toBe(10_000);
    expect(sizes.every((s) => s > 0 && s <= 120)).toBe(true);
    expect(sizes.length).toBeGreaterThan(80);
    expect(sliceEnds(5, { average_size: 0, size_variation: 0, delay: 0 }, random)).toEqual([1, 2, 3, 4, 5]);
  });

  it('latency draws stay in [latency − jitter, latency + jitter)', () => {
    const random = createSeededRandom(1);
    const draws = Array.from({ length: 1000 }, () => latencyDelay({ latency: 100, jitter: 30 }, random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...draws)).toBeLessThan(130);
    expect(latencyDelay({ latency: 100, jitter: 0 }, random)).toBe(100);
  });

  it('addresses split and normalize like the Go server', () => {
    expect(splitHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(normalizeListen('localhost:8080')).toBe('127.0.0.1:8080');
    expect(normalizeListen(':8080')).toBe('[::]:8080');
    expect(() => splitHostPort('127.0.0.1')).toThrow('address 127.0.0.1: missing port in address');
  });

  it('CLI flags parse with defaults and say what is wrong', () => {
    expect(parseCliArgs([])).toMatchObject({ host: '127.0.0.1', port: 8474 });
    expect(parseCliArgs(['--port', '9000', '--host', '0.0.0.0', '--seed', '3'])).toMatchObject({ host: '0.0.0.0', port: 9000, seed: 3 });
    expect(() => parseCliArgs(['--port', 'x'])).toThrow('--port must be an integer from 0 to 65535, got "x"');
  });

  it('toxiproxyUrl uses TOXIPROXY_URL when set, else starts the fault proxy', async () => {
    const real = await toxiproxyUrl({ env: { TOXIPROXY_URL: 'http://toxiproxy:8474/' } });
    expect([real.url, real.external]).toEqual(['http://toxiproxy:8474', true]);
    const ours = await toxiproxyUrl({ env: {} });
    expect(ours.external).toBe(false);
    expect(await (await fetch(`${ours.url}/version`)).json()).toHaveProperty('version');
    await ours.close();
  });
});
