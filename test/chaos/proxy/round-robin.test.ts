import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTo, portOf, roundTrips, startFixture, startServer, type ProxyFixture, type TestServer } from './test-kit.ts';

/**
 * An upstream list (`a:1,b:2`, our extension over Toxiproxy) as a round-robin stand-in for a
 * Kubernetes ClusterIP Service: one upstream per client connection, in turn; a list that
 * gains an address keeps the open connections (a Service gaining a pod).
 */
describe.skipIf(Boolean(process.env['TOXIPROXY_URL']))('fault proxy: an upstream list', () => {
  let fx: ProxyFixture;
  let servers: TestServer[];

  beforeAll(async () => {
    fx = await startFixture('rr');
    servers = await Promise.all([startServer('echo'), startServer('echo'), startServer('echo')]);
  });
  afterAll(async () => {
    await fx.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  const accepted = () => servers.map((s) => s.received.length);

  it('takes its upstreams in turn, one per connection; gaining one keeps the open connections and adds it to the turn', async () => {
    const [a, b, c] = servers as [TestServer, TestServer, TestServer];
    const proxy = await fx.client.createProxy({ name: 'rr_list', listen: '127.0.0.1:0', upstream: `127.0.0.1:${a.port},127.0.0.1:${b.port}` });
    const port = portOf(proxy);
    const open = [];
    for (let i = 0; i < 4; i++) {
      const socket = await connectTo(port);
      await roundTrips(socket, 1);
      open.push(socket);
    }
    expect(accepted()).toEqual([2, 2, 0]);

    const grown = await proxy.update({ enabled: true, listen: proxy.listen, upstream: `127.0.0.1:${a.port},127.0.0.1:${b.port},127.0.0.1:${c.port}` });
    expect(grown.listen).toBe(proxy.listen);
    for (const socket of open) await roundTrips(socket, 1); // still open, through the same proxy
    for (let i = 0; i < 3; i++) {
      const socket = await connectTo(port);
      await roundTrips(socket, 1);
      open.push(socket);
    }
    expect(accepted().reduce((x, y) => x + y, 0)).toBe(7);
    expect(accepted()[2]).toBe(1); // three new connections over three upstreams: one each
    for (const socket of open) socket.destroy();
  });

  it('restarts on any other change of upstream, as Toxiproxy does: its open connections are closed', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const proxy = await fx.client.createProxy({ name: 'rr_change', listen: '127.0.0.1:0', upstream: `127.0.0.1:${a.port},127.0.0.1:${b.port}` });
    const socket = await connectTo(portOf(proxy));
    await roundTrips(socket, 1);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await proxy.update({ enabled: true, listen: proxy.listen, upstream: `127.0.0.1:${b.port}` });
    await closed;
  });
});
