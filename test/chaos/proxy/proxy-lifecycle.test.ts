import type { Latency } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectTo, median, portOf, receiveAll, roundTrips, startFixture, startServer, type ProxyFixture, type TestServer,
} from './test-kit.ts';

describe('fault proxy: down, up, reset and delete, through toxiproxy-node-client', () => {
  let fx: ProxyFixture;
  let echo: TestServer;

  beforeAll(async () => {
    fx = await startFixture('life');
    echo = await startServer('echo');
  });
  afterAll(async () => {
    await fx.close();
    await echo.close();
  });

  it('enabled=false closes open connections and refuses new ones; true restores them', async () => {
    const proxy = await fx.proxy('down', echo.port);
    const port = portOf(proxy);
    const open = await connectTo(port);
    await roundTrips(open, 1);
    const closing = receiveAll(open);

    const down = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(down.enabled).toBe(false);
    expect((await closing).ending).not.toBe('open');
    await expect(connectTo(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const up = await down.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    expect([up.enabled, up.listen]).toEqual([true, proxy.listen]);
    const again = await connectTo(port);
    expect(median(await roundTrips(again, 3))).toBeLessThan(50);
    again.destroy();
  });

  it('POST /reset re-enables every proxy and removes every toxic', async () => {
    const slow = await fx.proxy('reset_slow', echo.port);
    const off = await fx.proxy('reset_off', echo.port);
    await slow.addToxic<Latency>({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 300, jitter: 0 } });
    await slow.addToxic({ name: 'thin', type: 'bandwidth', stream: 'upstream', toxicity: 1, attributes: { rate: 1 } });
    await off.update({ enabled: false, listen: off.listen, upstream: off.upstream });

    const socket = await connectTo(portOf(slow));
    expect(median(await roundTrips(socket, 1))).toBeGreaterThanOrEqual(280);
    await fx.client.reset();

    const all = await fx.client.getAll();
    expect(all['life_reset_off']?.enabled).toBe(true);
    const shown = await fetch(`${fx.endpoint.url}/proxies/life_reset_slow/toxics`).then((r) => r.json());
    expect(shown).toEqual([]);
    const after = median(await roundTrips(socket, 3));
    console.info(`reset: round trip on the same connection after reset ${after.toFixed(1)} ms`);
    expect(after).toBeLessThan(50);
    socket.destroy();
    const revived = await connectTo(portOf(off));
    expect(median(await roundTrips(revived, 1))).toBeLessThan(50);
    revived.destroy();
  });

  it('deleting a proxy closes its connections and frees its port', async () => {
    const proxy = await fx.proxy('delete', echo.port);
    const socket = await connectTo(portOf(proxy));
    const closing = receiveAll(socket);
    await proxy.remove();
    expect((await closing).ending).not.toBe('open');
    await expect(connectTo(portOf(proxy))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a client whose upstream refuses is closed at once', async () => {
    const dead = await startServer('sink');
    await dead.close();
    const proxy = await fx.proxy('no_upstream', dead.port);
    const got = await receiveAll(await connectTo(portOf(proxy)), 2_000);
    expect(got.ending).not.toBe('open');
    expect(got.data.length).toBe(0);
  });
});
