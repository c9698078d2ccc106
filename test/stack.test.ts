import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { repoPath, startStack, type Stack } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A stock gRPC client: protos loaded at run time, no generated code. */
function loadPackage() {
  const def = protoLoader.loadSync(['ultra/router/v1/router.proto', 'grpc/health/v1/health.proto'], {
    includeDirs: [repoPath('proto')],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(def) as unknown as {
    ultra: { router: { v1: { RouterService: grpc.ServiceClientConstructor } } };
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
}

function call<T>(client: grpc.Client, method: string, request: unknown, deadlineMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, (...a: unknown[]) => void>)[method]!.bind(client);
    fn(request, { deadline: Date.now() + deadlineMs }, (err: Error | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

/** One reflection conversation on a fresh stream (as grpcurl holds one): every request, then every answer. */
async function reflect(port: number, version: 'v1' | 'v1alpha', requests: object[]): Promise<Record<string, any>[]> {
  const def = protoLoader.loadSync([`grpc/reflection/${version}/reflection.proto`], { includeDirs: [repoPath('proto')], keepCase: true, oneofs: true });
  const Reflection = (grpc.loadPackageDefinition(def) as any).grpc.reflection[version].ServerReflection as grpc.ServiceClientConstructor;
  const client = new Reflection(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const stream = (client as any).ServerReflectionInfo() as grpc.ClientDuplexStream<object, Record<string, any>>;
  const answers: Record<string, any>[] = [];
  try {
    return await new Promise((resolve, reject) => {
      stream.on('data', (a) => answers.push(a));
      stream.on('end', () => resolve(answers));
      stream.on('error', reject);
      for (const r of requests) stream.write(r);
      stream.end();
    });
  } finally {
    client.close();
  }
}

/** Serialized FileDescriptorProtos as one FileDescriptorSet (field 1, repeated). */
function descriptorSet(files: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const len: number[] = [];
    for (let n = f.length; ; n >>>= 7) {
      if (n < 0x80) {
        len.push(n);
        break;
      }
      len.push((n & 0x7f) | 0x80);
    }
    parts.push(Buffer.from([0x0a, ...len]), f);
  }
  return Buffer.concat(parts);
}

interface Answer {
  text: string;
  provider: string;
  served_from: string;
  mode: string;
  attempts: { provider: string; outcome: string }[];
}

async function setFaults(stack: Stack, provider: string, faults: Record<string, unknown>) {
  const res = await fetch(`${stack.simUrl}/_sim/providers/${provider}/faults`, { method: 'PUT', body: JSON.stringify(faults), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(200);
}

// The end-to-end suite, with the same assertions in both topologies: one process per
// service (split), and the four in one process calling each other in process (single).
describe.each(['split', 'single'] as const)('the stack, topology %s', (topology) => {
  let stack: Stack;
  const pkg = loadPackage();
  let router: grpc.Client;

  beforeAll(async () => {
    // (a probe timeout above the 1.5 s answers of the SIGTERM test: probes timing out would
    // rightly mark every provider unhealthy and rescue the call it keeps in flight)
    stack = await startStack({ topology, env: { ULTRA_LOG_LEVEL: 'info' }, healthCheck: '{ interval: 1s, timeout: 3s, threshold: 2 }' });
    router = new pkg.ultra.router.v1.RouterService(`127.0.0.1:${stack.ports.router}`, grpc.credentials.createInsecure());
  }, 60_000);

  afterAll(async () => {
    router?.close();
    await stack?.stop();
  });

  it('a stock @grpc/grpc-js client calls RouterService.Complete, and the second time the cache answers', async () => {
    const request = { request: { model: 'chat', messages: [{ role: 'ROLE_USER', content: 'Hello from grpc-js' }] } };
    const first = await call<{ answer: Answer }>(router, 'Complete', request);
    expect(first.answer.served_from).toBe('SERVED_FROM_PROVIDER');
    expect(first.answer.text).toContain('Hello from grpc-js');
    expect(['openai', 'anthropic']).toContain(first.answer.provider);
    expect(first.answer.attempts).toEqual([expect.objectContaining({ provider: first.answer.provider, outcome: 'OUTCOME_OK' })]);
    const second = await call<{ answer: Answer }>(router, 'Complete', request);
    expect(second.answer.served_from).toBe('SERVED_FROM_CACHE');
    expect(second.answer.text).toBe(first.answer.text);
  });

  it('grpc.health.v1.Health/Check answers SERVING on every service', async () => {
    for (const port of [stack.ports.router, stack.ports.agent, stack.ports.cache, stack.ports.health]) {
      const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      try {
        expect(await call<{ status: string }>(client, 'Check', { service: '' })).toEqual({ status: 'SERVING' });
      } finally {
        client.close();
      }
    }
  });

  it('serves gRPC reflection: a stock client with no protos discovers RouterService and calls Complete, as grpcurl does', async () => {
    const [list, files, again, missing] = await reflect(stack.ports.router, 'v1', [
      { list_services: '' },
      { file_containing_symbol: 'ultra.router.v1.RouterService' },
      { file_containing_symbol: 'ultra.router.v1.RouterService.Complete' },
      { file_containing_symbol: 'ultra.router.v1.NoSuchThing' },
    ]);
    expect(list!.list_services_response.service.map((x: { name: string }) => x.name)).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'ultra.router.v1.RouterService',
    ]);
    // the router's file and what it imports (the chat contract, google/protobuf/*), each once per stream
    const sent: Buffer[] = files!.file_descriptor_response.file_descriptor_proto;
    expect(sent.length).toBeGreaterThan(1);
    expect(again!.file_descriptor_response.file_descriptor_proto).toHaveLength(1);
    expect(missing!.error_response).toMatchObject({ error_code: 5, error_message: expect.stringContaining('ultra.router.v1.NoSuchThing') });
    // Only what reflection gave: build a client from it and call the router.
    const def = protoLoader.loadFileDescriptorSetFromBuffer(descriptorSet(sent), { keepCase: true, enums: String, defaults: true, oneofs: true });
    const Discovered = (grpc.loadPackageDefinition(def) as any).ultra.router.v1.RouterService as grpc.ServiceClientConstructor;
    const client = new Discovered(`127.0.0.1:${stack.ports.router}`, grpc.credentials.createInsecure());
    try {
      const res = await call<{ answer: Answer }>(client, 'Complete', { request: { model: 'chat', messages: [{ role: 'ROLE_USER', content: 'found by reflection' }] } });
      expect(res.answer.text).toContain('found by reflection');
    } finally {
      client.close();
    }
    // every service, and the v1alpha protocol older tools speak
    for (const [port, service] of [
      [stack.ports.agent, 'ultra.provider_agent.v1.ProviderAgentService'],
      [stack.ports.cache, 'ultra.cache.v1.CacheService'],
      [stack.ports.health, 'ultra.health.v1.HealthService'],
    ] as const) {
      const [names, file] = await reflect(port, 'v1alpha', [{ list_services: '*' }, { file_containing_symbol: service }]);
      expect(names!.list_services_response.service.map((x: { name: string }) => x.name)).toContain(service);
      expect(file!.file_descriptor_response.file_descriptor_proto.length).toBeGreaterThan(0);
    }
  });

  it('the OpenAI-compatible front door answers with x-ultra headers', async () => {
    const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Hello over HTTP' }] });
    const post = () => fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const first = await post();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ultra-served-from')).toBe('provider');
    const json = (await first.json()) as { object: string; choices: { message: { content: string } }[] };
    expect(json.object).toBe('chat.completion');
    expect(json.choices[0]?.message.content).toContain('Hello over HTTP');
    const second = await post();
    expect(second.headers.get('x-ultra-served-from')).toBe('cache');
  });

  it('fails over to another provider when one fails', async () => {
    await setFaults(stack, 'openai', { errorRate: 1, errorStatus: 503 });
    await setFaults(stack, 'anthropic', { errorRate: 1, errorStatus: 529 });
    try {
      const answer = await call<{ answer: Answer }>(router, 'Complete', {
        request: { messages: [{ role: 'ROLE_USER', content: 'failover please' }] },
      });
      expect(['google', 'cohere']).toContain(answer.answer.provider);
      // the agent may retry each before the router fails over: every failed attempt is named
      const failed = answer.answer.attempts.filter((a) => a.outcome !== 'OUTCOME_OK');
      expect(failed.find((a) => a.provider === 'openai')?.outcome).toBe('OUTCOME_SERVER_ERROR');
      expect(failed.find((a) => a.provider === 'anthropic')?.outcome).toBe('OUTCOME_OVERLOADED');
      expect(answer.answer.attempts.at(-1)).toMatchObject({ provider: answer.answer.provider, outcome: 'OUTCOME_OK' });
    } finally {
      for (const p of ['openai', 'anthropic']) await fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, { method: 'DELETE' });
    }
  });

  it('on SIGTERM each service finishes what is in flight and exits 0', async () => {
    for (const p of ['openai', 'anthropic', 'google', 'cohere']) await setFaults(stack, p, { latencyMs: 1500 });
    const calls = async () => {
      const stats = (await (await fetch(`${stack.simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
      return Object.values(stats.providers).reduce((n, s) => n + s.requests - s.probes, 0);
    };
    const before = await calls();
    const inFlight = call<{ answer: Answer }>(router, 'Complete', {
      request: { messages: [{ role: 'ROLE_USER', content: 'slow one, in flight during shutdown' }], cache_policy: 'CACHE_POLICY_NO_STORE' },
    });
    // Wait until the simulator has the request, then stop the router and the agent under it.
    while ((await calls()) === before) await new Promise((r) => setTimeout(r, 20));
    const { router: r, agent, cache, health } = stack.processes;
    const exits = [r.stop('SIGTERM'), agent.stop('SIGTERM')];
    const answer = await inFlight;
    expect(answer.answer.text).toContain('slow one');
    expect(await Promise.all(exits)).toEqual([0, 0]);
    expect(await Promise.all([cache.stop('SIGTERM'), health.stop('SIGTERM')])).toEqual([0, 0]);
    const logs = [...r.output, ...agent.output].join('\n');
    expect(logs).toMatch(/router draining \([1-9]\d* in flight\)/);
    expect(logs).toMatch(/provider-agent draining \([1-9]\d* in flight\)/);
  });
});
