import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectTo, pattern, pause, portOf, receiveAll, startFixture, startServer, type ProxyFixture, type TestServer,
} from './test-kit.ts';

describe('fault proxy: toxics that cut connections, through toxiproxy-node-client', () => {
  let fx: ProxyFixture;
  let echo: TestServer;

  beforeAll(async () => {
    fx = await startFixture('closing');
    echo = await startServer('echo');
  });
  afterAll(async () => {
    await fx.close();
    await echo.close();
  });

  it('limit_data downstream passes exactly `bytes` bytes, then closes', async () => {
    const blob = await startServer('blob', 5_000);
    const proxy = await fx.proxy('limit_down', blob.port);
    await proxy.addToxic({ name: 'cut', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 1_234 } });
    const got = await receiveAll(await connectTo(portOf(proxy)));
    await blob.close();
    console.info(`limit_data downstream 1234: client got ${got.data.length} bytes, then ${got.ending}`);
    expect(got.data.equals(pattern(1_234))).toBe(true);
    expect(got.ending).toBe('end');
  });

  it('limit_data upstream lets the server see exactly `bytes` bytes', async () => {
    const sink = await startServer('sink');
    const proxy = await fx.proxy('limit_up', sink.port);
    await proxy.addToxic({ name: 'cut', type: 'limit_data', stream: 'upstream', toxicity: 1, attributes: { bytes: 700 } });
    const socket = await connectTo(portOf(proxy));
    const done = receiveAll(socket);
    socket.write(pattern(3_000));
    const got = await done;
    await pause(50);
    console.info(`limit_data upstream 700: server got ${sink.received[0]?.bytes} bytes; client saw ${got.ending}`);
    expect(sink.received[0]?.bytes).toBe(700);
    await sink.close();
  });

  it('reset_peer closes with a TCP RST (ECONNRESET) after its timeout', async () => {
    const proxy = await fx.proxy('reset', echo.port);
    await proxy.addToxic({ name: 'rst', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 200 } });
    const socket = await connectTo(portOf(proxy));
    const done = receiveAll(socket);
    socket.write('hello');
    const got = await done;
    console.info(`reset_peer 200: client got ${got.data.length} bytes, ${got.ending} after ${got.closedMs.toFixed(0)} ms`);
    expect(got.ending).toBe('ECONNRESET');
    expect(got.data.length).toBe(0);
    expect(got.closedMs).toBeGreaterThanOrEqual(180);
    expect(got.closedMs).toBeLessThan(1_000);
    await pause(50);
    expect(echo.received.at(-1)?.ended).toBe('reset');
  });

  it('timeout drops data and closes once `timeout` ms pass', async () => {
    const proxy = await fx.proxy('timeout', echo.port);
    await proxy.addToxic({ name: 'hang', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 300 } });
    const socket = await connectTo(portOf(proxy));
    const done = receiveAll(socket);
    socket.write('anyone there?');
    const got = await done;
    console.info(`timeout 300: client got ${got.data.length} bytes, ${got.ending} after ${got.closedMs.toFixed(0)} ms`);
    expect(got.data.length).toBe(0);
    expect(got.ending).toBe('end');
    expect(got.closedMs).toBeGreaterThanOrEqual(280);
    expect(got.closedMs).toBeLessThan(1_500);
  });

  it('timeout 0 holds the connection until the toxic is removed, which closes it', async () => {
    const proxy = await fx.proxy('hold', echo.port);
    const toxic = await proxy.addToxic({ name: 'hold', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } });
    const socket = await connectTo(portOf(proxy));
    const held = await receiveAll(socket, 400);
    expect(held.ending).toBe('open');
    const done = receiveAll(socket);
    socket.write('still there?');
    await pause(100);
    await toxic.remove();
    const got = await done;
    console.info(`timeout 0: open after 400 ms with ${held.data.length} bytes; after removal: ${got.ending}`);
    expect(held.data.length + got.data.length).toBe(0);
    expect(got.ending).toBe('end');
  });

  it('slow_close delivers data at once but holds the close for `delay` ms', async () => {
    const blob = await startServer('blob', 10);
    const proxy = await fx.proxy('slow_close', blob.port);
    await proxy.addToxic({ name: 'slow', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 400 } });
    const got = await receiveAll(await connectTo(portOf(proxy)));
    await blob.close();
    console.info(`slow_close 400: data after ${got.firstByteMs?.toFixed(0)} ms, ${got.ending} after ${got.closedMs.toFixed(0)} ms`);
    expect(got.data.length).toBe(10);
    expect(got.firstByteMs).toBeLessThan(150);
    expect(got.closedMs).toBeGreaterThanOrEqual(380);
    expect(got.ending).toBe('end');
  });
});
