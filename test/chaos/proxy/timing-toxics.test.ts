import type { Latency } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectTo, median, pattern, portOf, receiveAll, roundTrips, startFixture, startServer,
  type ProxyFixture, type TestServer,
} from './test-kit.ts';

/** Round trips per measurement; the median is compared. */
const SAMPLES = 5;

describe('fault proxy: timing toxics through toxiproxy-node-client', () => {
  let fx: ProxyFixture;
  let echo: TestServer;
  let baseline: number;

  beforeAll(async () => {
    fx = await startFixture('timing');
    echo = await startServer('echo');
    const proxy = await fx.proxy('baseline', echo.port);
    const socket = await connectTo(portOf(proxy));
    baseline = median(await roundTrips(socket, SAMPLES));
    socket.destroy();
  });
  afterAll(async () => {
    await fx.close();
    await echo.close();
  });

  it.each(['downstream', 'upstream'] as const)('latency 200ms %s adds 200 ± 100 ms to a round trip', async (stream) => {
    const proxy = await fx.proxy(`latency_${stream}`, echo.port);
    await proxy.addToxic<Latency>({ name: 'lag', type: 'latency', stream, toxicity: 1, attributes: { latency: 200, jitter: 0 } });
    const socket = await connectTo(portOf(proxy));
    const added = median(await roundTrips(socket, SAMPLES)) - baseline;
    socket.destroy();
    console.info(`latency ${stream}: baseline ${baseline.toFixed(1)} ms, added ${added.toFixed(1)} ms (want 200)`);
    expect(added).toBeGreaterThanOrEqual(180);
    expect(added).toBeLessThan(300);
  });

  it('jitter spreads each round trip over latency ± jitter', async () => {
    const proxy = await fx.proxy('jitter', echo.port);
    await proxy.addToxic<Latency>({ name: 'j', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 50 } });
    const socket = await connectTo(portOf(proxy));
    const times = await roundTrips(socket, 8);
    socket.destroy();
    console.info(`jitter 100±50: round trips ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...times)).toBeLessThan(250);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(10);
  });

  it('chained latency toxics add up, and toxicity 0 never applies', async () => {
    const proxy = await fx.proxy('chain', echo.port);
    for (const name of ['a', 'b']) {
      await proxy.addToxic<Latency>({ name, type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } });
    }
    await proxy.addToxic<Latency>({ name: 'never', type: 'latency', stream: 'upstream', toxicity: 0, attributes: { latency: 1000, jitter: 0 } });
    const socket = await connectTo(portOf(proxy));
    const added = median(await roundTrips(socket, 3)) - baseline;
    socket.destroy();
    console.info(`latency 100 + 100 chained, plus 1000 at toxicity 0: added ${added.toFixed(1)} ms (want 200)`);
    expect(added).toBeGreaterThanOrEqual(180);
    expect(added).toBeLessThan(300);
  });

  it('toxics added, updated and removed take effect on an open connection', async () => {
    const proxy = await fx.proxy('live', echo.port);
    const socket = await connectTo(portOf(proxy));
    const before = median(await roundTrips(socket, 3));
    const toxic = await proxy.addToxic<Latency>({ name: 'live', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 200, jitter: 0 } });
    const during = median(await roundTrips(socket, 3));
    await toxic.update({ ...toxic.toJson(), attributes: { latency: 50, jitter: 0 } });
    const updated = median(await roundTrips(socket, 3));
    await toxic.remove();
    const after = median(await roundTrips(socket, 3));
    socket.destroy();
    console.info(`live: ${before.toFixed(1)} → +200: ${during.toFixed(1)} → 50: ${updated.toFixed(1)} → removed: ${after.toFixed(1)} ms`);
    expect(during - before).toBeGreaterThanOrEqual(180);
    expect(updated).toBeGreaterThanOrEqual(45);
    expect(updated).toBeLessThan(150);
    expect(after).toBeLessThan(40);
  });

  it('bandwidth 200 KB/s delivers about 200 000 bytes per second, intact', async () => {
    const bytes = 300_000;
    const blob = await startServer('blob', bytes);
    const proxy = await fx.proxy('bandwidth', blob.port);
    await proxy.addToxic({ name: 'bw', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 200 } });
    const got = await receiveAll(await connectTo(portOf(proxy)));
    await blob.close();
    const rate = got.data.length / (got.closedMs / 1000);
    console.info(`bandwidth 200 KB/s: ${got.data.length} bytes in ${got.closedMs.toFixed(0)} ms = ${rate.toFixed(0)} B/s`);
    expect(got.data.equals(pattern(bytes))).toBe(true);
    expect(rate).toBeGreaterThan(140_000);
    expect(rate).toBeLessThan(240_000);
  });

  it('slicer cuts data into many small reads, intact and in order', async () => {
    const bytes = 4_000;
    const blob = await startServer('blob', bytes);
    const proxy = await fx.proxy('slicer', blob.port);
    await proxy.addToxic({
      name: 'slices', type: 'slicer', stream: 'downstream', toxicity: 1,
      attributes: { average_size: 100, size_variation: 20, delay: 2_000 },
    });
    const got = await receiveAll(await connectTo(portOf(proxy)));
    await blob.close();
    console.info(`slicer 100±20 B, 2000 µs: ${bytes} bytes arrived in ${got.reads} reads over ${got.closedMs.toFixed(0)} ms`);
    expect(got.data.equals(pattern(bytes))).toBe(true);
    expect(got.reads).toBeGreaterThanOrEqual(15);
    expect(got.closedMs).toBeGreaterThanOrEqual(60);
  });
});
