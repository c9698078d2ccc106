import http2 from 'node:http2';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import type { DescService } from '@bufbuild/protobuf';
import { toBinary, create } from '@bufbuild/protobuf';
import { CacheService } from '@ultra/contracts/cache';
import { ChatRequestSchema, Role } from '@ultra/contracts/chat';
import { Health } from '@ultra/contracts/grpc-health';
import { HealthService } from '@ultra/contracts/health';
import { ProviderAgentService } from '@ultra/contracts/provider-agent';
import { CompleteRequestSchema, RouterService } from '@ultra/contracts/router';
import { createSeededRandom, type Random } from '@ultra/core';
import { startStack, type Stack } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let stack: Stack;
const random = createSeededRandom(20261128);
const tally = { protobuf: 0, json: 0, truncated: 0, oversize: 0, slowLoris: 0 };

beforeAll(async () => {
  stack = await startStack({ extraConfig: 'limits: { max_request_bytes: 65536 }\n' });
}, 60_000);
afterAll(async () => {
  console.log(`fuzz inputs tried: ${JSON.stringify(tally)}; crashes: ${Object.values(stack?.processes ?? {}).filter((p) => p.proc.exitCode !== null).length}`);
  await stack?.stop();
});

const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const bytes = (n: number, r: Random) => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));

function mutate(valid: Uint8Array, r: Random): Buffer {
  const out = Buffer.from(valid);
  const flips = 1 + Math.floor(r() * 4);
  for (let i = 0; i < flips && out.length > 0; i++) out[Math.floor(r() * out.length)] = Math.floor(r() * 256);
  return r() < 0.3 ? out.subarray(0, Math.floor(r() * out.length)) : out;
}

/** Sends one gRPC call with `payload` as its message; resolves with grpc-status (or 'cut' for a stream we ended). */
function grpcCall(session: http2.ClientHttp2Session, path: string, payload: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '2S' });
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(payload.length, 1);
    let status: string | undefined;
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
    });
    req.on('trailers', (t) => (status = String(t['grpc-status'])));
    req.on('data', () => undefined);
    const timer = setTimeout(() => {
      req.close();
      resolve(status ?? 'cut');
    }, 300);
    req.on('close', () => {
      clearTimeout(timer);
      resolve(status ?? 'closed');
    });
    req.on('error', () => undefined);
    req.end(Buffer.concat([frame, payload]));
  });
}

describe('fuzzing every RPC of every service', () => {
  it('random and mutated protobuf bytes: no crash, a status each time, memory bounded', async () => {
    const valid = toBinary(CompleteRequestSchema, create(CompleteRequestSchema, { request: create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'fuzz me' }] }) }));
    const targets: [number, DescService][] = [
      [stack.ports.router, RouterService],
      [stack.ports.agent, ProviderAgentService],
      [stack.ports.cache, CacheService],
      [stack.ports.health, HealthService],
      [stack.ports.router, Health],
    ];
    const before = Object.fromEntries(Object.entries(stack.processes).map(([k, p]) => [k, rss(p.proc.pid!)]));
    const statuses = new Map<string, number>();
    for (const [port, service] of targets) {
      const session = http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', () => undefined);
      for (const method of service.methods) {
        const path = `/${service.typeName}/${method.name}`;
        for (let i = 0; i < 40; i++) {
          const payload = i % 2 === 0 ? bytes(Math.floor(random() * 600), random) : mutate(valid, random);
          const status = await grpcCall(session, path, payload);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          tally.protobuf++;
        }
      }
      session.close();
    }
    for (const p of Object.values(stack.processes)) expect(p.proc.exitCode, `${p.name} crashed`).toBeNull();
    expect(statuses.get('closed') ?? 0).toBe(0); // every call got a gRPC status or was a live stream we ended
    for (const [k, p] of Object.entries(stack.processes)) expect(rss(p.proc.pid!) - before[k]!).toBeLessThan(60 * 1024 * 1024);
    console.log(`grpc statuses seen: ${JSON.stringify(Object.fromEntries(statuses))}`);
  }, 120_000);
});

describe('fuzzing the HTTP front door', () => {
  const url = () => `http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`;
  const valid = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }], max_tokens: 10, temperature: 0.5 });

  it('random and mutated JSON gets a 4xx with a message, never a 5xx from the router itself', async () => {
    for (let i = 0; i < 200; i++) {
      let body: string;
      if (i % 3 === 0) body = bytes(Math.floor(random() * 300), random).toString('latin1');
      else {
        const chars = valid.split('');
        for (let k = 0; k < 1 + Math.floor(random() * 3); k++) chars[Math.floor(random() * chars.length)] = String.fromCharCode(32 + Math.floor(random() * 95));
        body = chars.join('');
      }
      const res = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      tally.json++;
      const json = (await res.json()) as { error?: { message: string } };
      if (res.status !== 200) {
        expect([400, 404, 503], `${res.status} for ${JSON.stringify(body)}`).toContain(res.status);
        expect(json.error?.message.length).toBeGreaterThan(5);
      }
    }
  }, 120_000);

  it('truncated and oversize bodies get a 400 naming the problem', async () => {
    for (let i = 1; i < valid.length; i += 7) {
      const res = await fetch(url(), { method: 'POST', body: valid.slice(0, i) });
      tally.truncated++;
      expect(res.status).toBe(400);
    }
    const big = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] });
    const res = await fetch(url(), { method: 'POST', body: big });
    tally.oversize++;
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/over the limit of 65536 bytes/);
  });

  it('slow-loris connections neither block others nor pile up', async () => {
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 50; i++) {
      const s = net.connect(stack.ports.routerHttp, '127.0.0.1');
      s.on('error', () => undefined);
      s.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n');
      sockets.push(s);
      tally.slowLoris++;
    }
    const res = await fetch(url(), { method: 'POST', body: valid });
    expect(res.status).toBe(200);
    for (const s of sockets) s.destroy();
  });
});
