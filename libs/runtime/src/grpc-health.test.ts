import { createClient, createRouterTransport } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus as Serving } from '@ultra/contracts/grpc-health';
import { describe, expect, it } from 'vitest';
import { createHealthRegistry } from './grpc-health.ts';

describe('grpc.health.v1', () => {
  const setup = () => {
    const registry = createHealthRegistry(['ultra.x.v1.X']);
    const client = createClient(Health, createRouterTransport((r) => r.service(Health, registry.impl)));
    return { registry, client };
  };

  it('Check answers per service and NOT_FOUND for an unknown one', async () => {
    const { registry, client } = setup();
    expect((await client.check({ service: '' })).status).toBe(Serving.SERVING);
    registry.set('ultra.x.v1.X', Serving.NOT_SERVING);
    expect((await client.check({ service: 'ultra.x.v1.X' })).status).toBe(Serving.NOT_SERVING);
    await expect(client.check({ service: 'nope' })).rejects.toThrow(/unknown service "nope"/);
  });

  it('Watch sends the current status, then every change, and ends at shutdown', async () => {
    const { registry, client } = setup();
    const seen: Serving[] = [];
    const done = (async () => {
      for await (const res of client.watch({ service: 'ultra.x.v1.X' })) {
        seen.push(res.status);
        if (seen.length === 1) registry.set('ultra.x.v1.X', Serving.NOT_SERVING);
        if (seen.length === 2) registry.set('ultra.x.v1.X', Serving.SERVING);
        if (seen.length === 3) registry.shutdown();
      }
    })();
    await done;
    expect(seen).toEqual([Serving.SERVING, Serving.NOT_SERVING, Serving.SERVING, Serving.NOT_SERVING]);
  });

  it('Watch of an unknown service says SERVICE_UNKNOWN rather than failing', async () => {
    const { registry, client } = setup();
    const it = client.watch({ service: 'later' })[Symbol.asyncIterator]();
    expect((await it.next()).value?.status).toBe(Serving.SERVICE_UNKNOWN);
    registry.shutdown();
  });
});
