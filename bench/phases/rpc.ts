import http2 from 'node:http2';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { Health } from '@ultra/contracts/grpc-health';
import { createServiceClient } from '@ultra/runtime';
import type { BenchContext } from '../context.ts';
import { readCpuMs, spawnService, type BenchProcess } from '../lib/processes.ts';
import { runRounds } from '../lib/rounds.ts';

/** One way of making an internal call, measured one call at a time. */
export interface RpcFigures {
  transport: string;
  calls: number;
  /** Wall time per call and CPU per call on each side, in µs. */
  wallUs: number;
  serverCpuUs: number;
  clientCpuUs: number;
}

type Call = () => Promise<unknown>;

function rawCall(port: number): { call: Call; close: () => void } {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const body = Buffer.from([0, 0, 0, 0, 0]);
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
      req.on('data', () => undefined);
      req.once('end', resolve);
      req.once('error', reject);
      req.end(body);
    });
  return { call, close: () => session.close() };
}

/**
 * What one internal call costs with each transport: a tiny grpc.health.v1 Check, one
 * at a time, to a server process of its own: node:http2 alone (the floor), Connect's
 * gRPC protocol over HTTP/2 (what the services used between themselves at first),
 * Connect's own protocol (binary) over HTTP/2 and over HTTP/1.1, which the same
 * servers accept, and the services' own client (`createServiceClient`: Connect's
 * protocol, unary calls written straight onto the HTTP/2 session).
 */
export async function rpcPhase(ctx: BenchContext): Promise<RpcFigures[]> {
  const { rounds, perBlock, blockMs } = ctx.plan.rpc;
  const servers: BenchProcess[] = [];
  const start = async (kind: string) => {
    const p = spawnService(`rpc-${kind}`, 'bench/rpc-server.ts', [kind]);
    servers.push(p);
    const port = await new Promise<number>((resolve, reject) => {
      p.proc.once('message', (m) => resolve((m as { port: number }).port));
      p.exited.then((code) => reject(new Error(`rpc-server ${kind} exited (${code}): ${p.output.join('\n')}`)), () => undefined);
    });
    return { port, pid: p.pid };
  };
  try {
    const [raw, h2c, h1] = await Promise.all([start('raw'), start('h2c'), start('http1')]);
    const base = (port: number) => `http://127.0.0.1:${port}`;
    const health = (t: ReturnType<typeof createGrpcTransport>) => createClient(Health, t);
    const rawClient = rawCall(raw.port);
    const grpc = health(createGrpcTransport({ baseUrl: base(h2c.port) }));
    const connectH2 = health(createConnectTransport({ baseUrl: base(h2c.port), httpVersion: '2', useBinaryFormat: true }));
    const connectH1 = health(createConnectTransport({ baseUrl: base(h1.port), httpVersion: '1.1', useBinaryFormat: true }));
    const ultra = createServiceClient(Health, { host: '127.0.0.1', port: h2c.port }, [], undefined);
    const subjects = [
      { name: 'node:http2 alone (floor)', fire: rawClient.call, pid: raw.pid },
      { name: 'Connect, gRPC protocol, HTTP/2 (the services at first)', fire: () => grpc.check({ service: '' }), pid: h2c.pid },
      { name: 'Connect, Connect protocol, HTTP/2', fire: () => connectH2.check({ service: '' }), pid: h2c.pid },
      { name: 'Connect, Connect protocol, HTTP/1.1', fire: () => connectH1.check({ service: '' }), pid: h1.pid },
      { name: 'Ultra service client: lean unary, Connect protocol, HTTP/2 (today)', fire: () => ultra.check({ service: '' }), pid: h2c.pid },
    ];
    for (const s of subjects) {
      const until = performance.now() + blockMs;
      for (let i = 0; i < 300 && performance.now() < until; i++) await s.fire();
    }
    const pidOf = new Map(subjects.map((s) => [s.name, s.pid]));
    const runs = await runRounds(subjects, {
      rounds,
      perBlock,
      blockMs,
      concurrency: 1,
      // Each block's server is the one its subject calls; the others sit idle.
      cpu: () => {
        const own = process.cpuUsage();
        const out: Record<string, number> = { client: (own.user + own.system) / 1000 };
        for (const [name, pid] of pidOf) out[name] = readCpuMs(pid) ?? 0;
        return out;
      },
      onRound: (r, runs) => ctx.log(`rpc round ${r + 1}/${rounds}: ${runs.map((x) => `${x.name.split(',')[0]!.replace('Connect', 'C')} ${x.completed}`).join(', ')}`),
    });
    rawClient.close();
    return [...runs.values()].map((r) => ({
      transport: r.name,
      calls: r.completed,
      wallUs: (1000 * r.elapsedMs) / r.completed,
      serverCpuUs: (1000 * (r.cpuMs[r.name] ?? 0)) / r.completed,
      clientCpuUs: (1000 * (r.cpuMs['client'] ?? 0)) / r.completed,
    }));
  } finally {
    await Promise.all(servers.map((p) => p.stop()));
  }
}
