import { Toxiproxy, ToxiproxyError, type Latency } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, startServer, type ProxyFixture, type TestServer } from './test-kit.ts';

/** Raw HTTP call, to check status codes and bodies the client library hides. */
async function call(url: string, method: string, path: string, body?: string) {
  const res = await fetch(`${url}${path}`, { method, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, text, json: (): unknown => JSON.parse(text) };
}

describe('fault proxy: Toxiproxy HTTP API', () => {
  let fx: ProxyFixture;
  let echo: TestServer;
  let url: string;
  let client: Toxiproxy;

  beforeAll(async () => {
    fx = await startFixture('api');
    echo = await startServer('echo');
    url = fx.endpoint.url;
    client = fx.client;
  });
  afterAll(async () => {
    await fx.close();
    await echo.close();
  });

  it('GET /version answers with a 2.x version', async () => {
    const version = JSON.parse(await client.getVersion()) as { version: string };
    expect(version.version).toMatch(/^2\./);
  });

  it('creates, shows, lists and deletes proxies; 409 on a duplicate, 404 when missing', async () => {
    const proxy = await fx.proxy('crud', echo.port);
    expect(proxy.toJson()).toMatchObject({ name: 'api_crud', upstream: `127.0.0.1:${echo.port}`, enabled: true });
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect((await client.get('api_crud')).listen).toBe(proxy.listen);
    expect(Object.keys(await client.getAll())).toContain('api_crud');

    const again = JSON.stringify({ name: 'api_crud', listen: '127.0.0.1:0', upstream: 'x:1' });
    await expect(client.createProxy(JSON.parse(again))).rejects.toBeInstanceOf(ToxiproxyError);
    const dup = await call(url, 'POST', '/proxies', again);
    expect(dup.status).toBe(409);
    expect(dup.json()).toEqual({ error: 'proxy already exists', status: 409 });

    await proxy.remove();
    const gone = await call(url, 'GET', '/proxies/api_crud');
    expect(gone.status).toBe(404);
    expect(gone.json()).toEqual({ error: 'proxy not found', status: 404 });
    expect((await call(url, 'DELETE', '/proxies/api_crud')).status).toBe(404);
  });

  it('rejects bad proxy bodies with 400 and the Go server’s messages', async () => {
    const noName = await call(url, 'POST', '/proxies', '{"upstream":"127.0.0.1:1"}');
    expect([noName.status, noName.json()]).toEqual([400, { error: 'missing required field: name', status: 400 }]);
    const noUpstream = await call(url, 'POST', '/proxies', '{"name":"api_x"}');
    expect(noUpstream.json()).toEqual({ error: 'missing required field: upstream', status: 400 });
    const notJson = await call(url, 'POST', '/proxies', '{nope');
    expect(notJson.status).toBe(400);
    expect((notJson.json() as { error: string }).error).toMatch(/^bad request body: /);
  });

  it('populate creates, keeps unchanged, replaces changed proxies, and validates first', async () => {
    const body = (upstreamPort: number) => [
      { name: 'api_pop_a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` },
      { name: 'api_pop_b', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}`, enabled: false },
    ];
    const first = await client.populate(body(echo.port));
    expect(first['api_pop_b']?.enabled).toBe(false);
    const listenA = first['api_pop_a']?.listen as string;
    const same = [{ name: 'api_pop_a', listen: listenA, upstream: `127.0.0.1:${echo.port}` }];
    expect((await client.populate(same))['api_pop_a']?.listen).toBe(listenA);
    const changed = await client.populate(body(1));
    expect(changed['api_pop_b']?.upstream).toBe('127.0.0.1:1');

    const bad = await call(url, 'POST', '/populate', JSON.stringify([{ name: 'api_pop_c', upstream: 'x:1' }, { upstream: 'x:1' }]));
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: 'missing required field: name at proxy 2', status: 400, proxies: null });
    expect((await call(url, 'GET', '/proxies/api_pop_c')).status).toBe(404);
    for (const name of ['api_pop_a', 'api_pop_b']) await (await client.get(name)).remove();
  });

  it('toxics: create with defaults, show, list, update (merging attributes), delete', async () => {
    const proxy = await fx.proxy('toxics', echo.port);
    const base = `/proxies/api_toxics/toxics`;
    const created = await call(url, 'POST', base, '{"type":"latency","attributes":{"latency":50}}');
    expect([created.status, created.json()]).toEqual([
      200,
      { attributes: { latency: 50, jitter: 0 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 },
    ]);
    await proxy.addToxic({ name: 'up', type: 'slicer', stream: 'upstream', toxicity: 0.5, attributes: { average_size: 10 } });
    expect((await call(url, 'GET', base)).json()).toMatchObject([{ name: 'up' }, { name: 'latency_downstream' }]);

    const toxic = await proxy.getToxic<Latency>('latency_downstream');
    const updated = await call(url, 'POST', `${base}/latency_downstream`, '{"attributes":{"jitter":7},"toxicity":0.25}');
    expect(updated.json()).toMatchObject({ attributes: { latency: 50, jitter: 7 }, toxicity: 0.25 });

    expect((await call(url, 'POST', base, '{"name":"up","type":"latency"}')).json()).toEqual({ error: 'toxic already exists', status: 409 });
    expect((await call(url, 'POST', base, '{"type":"nope"}')).json()).toEqual({ error: 'invalid toxic type', status: 400 });
    expect((await call(url, 'POST', base, '{"type":"latency","stream":"sideways"}')).status).toBe(400);
    expect((await call(url, 'POST', base, '{"name":"frac","type":"latency","attributes":{"latency":1.5}}')).status).toBe(400);

    await toxic.remove();
    const missing = await call(url, 'GET', `${base}/latency_downstream`);
    expect([missing.status, missing.json()]).toEqual([404, { error: 'toxic not found', status: 404 }]);
    expect((await call(url, 'DELETE', `${base}/latency_downstream`)).status).toBe(404);
    expect((await call(url, 'GET', '/proxies/api_nobody/toxics')).status).toBe(404);
  });

  it('unknown paths are 404, known paths with another method 405', async () => {
    expect((await call(url, 'GET', '/nothing')).status).toBe(404);
    expect((await call(url, 'PUT', '/proxies')).status).toBe(405);
  });
});
