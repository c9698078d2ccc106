import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Health, HealthCheckResponse_ServingStatus as Serving } from '@ultra/contracts/grpc-health';
import { freePort, makeTestCerts, startProcess, stackConfig, type ServiceProcess, type TestCerts } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let certs: TestCerts;
let cache: ServiceProcess;
let port: number;

function client(opts: { ca?: string; cert?: string; key?: string }) {
  return createClient(
    Health,
    createGrpcTransport({
      baseUrl: `https://127.0.0.1:${port}`,
      nodeOptions: {
        ...(opts.ca ? { ca: readFileSync(opts.ca) } : {}),
        ...(opts.cert ? { cert: readFileSync(opts.cert) } : {}),
        ...(opts.key ? { key: readFileSync(opts.key) } : {}),
      },
    }),
  );
}

beforeAll(async () => {
  certs = makeTestCerts();
  port = await freePort();
  const ports = { router: await freePort(), routerHttp: await freePort(), agent: await freePort(), cache: port, health: await freePort(), simulator: await freePort() };
  const file = join(certs.dir, 'ultra.yaml');
  writeFileSync(file, stackConfig(ports, `tls: { cert_file: ${certs.cert}, key_file: ${certs.key}, ca_file: ${certs.ca}, mutual: true }\n`));
  cache = startProcess('cache', 'services/cache/src/main.ts', ['--config', file], { env: { ULTRA_LOG_LEVEL: 'warn' } });
  await cache.ready;
}, 60_000);

afterAll(async () => {
  await cache?.stop();
});

describe('mutual TLS between services', () => {
  it('a client with a certificate from Ultra\'s CA is served', async () => {
    const res = await client({ ca: certs.ca, cert: certs.cert, key: certs.key }).check({ service: '' }, { timeoutMs: 5000 });
    expect(res.status).toBe(Serving.SERVING);
  });

  it('a client without a certificate is refused', async () => {
    await expect(client({ ca: certs.ca }).check({ service: '' }, { timeoutMs: 5000 })).rejects.toThrow();
  });

  it('a client with a certificate from another CA is refused', async () => {
    await expect(client({ ca: certs.ca, cert: certs.rogueCert, key: certs.rogueKey }).check({ service: '' }, { timeoutMs: 5000 })).rejects.toThrow();
  });

  it('a cleartext client is refused', async () => {
    const plain = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    await expect(plain.check({ service: '' }, { timeoutMs: 3000 })).rejects.toThrow();
  });
});

describe('the whole stack over mutual TLS', () => {
  it('answers through router → cache → agent with every hop on TLS', async () => {
    const { startStack } = await import('@ultra/testkit');
    const stack = await startStack({ extraConfig: `tls: { cert_file: ${certs.cert}, key_file: ${certs.key}, ca_file: ${certs.ca}, mutual: true }\n` });
    try {
      const ask = () =>
        fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ role: 'user', content: 'over TLS' }] }),
        });
      const first = await ask();
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ultra-served-from')).toBe('provider');
      // (the first hops open their TLS connections; a store that missed its 250 ms budget
      // while handshaking is made good by the next answer)
      let from = '';
      for (let i = 0; i < 5 && from !== 'cache'; i++) from = (await ask()).headers.get('x-ultra-served-from') ?? '';
      expect(from).toBe('cache');
    } finally {
      await stack.stop();
    }
  }, 60_000);
});
