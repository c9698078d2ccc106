import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Role, ServedFrom } from '@ultra/contracts/chat';
import { Health } from '@ultra/contracts/grpc-health';
import { RouterService } from '@ultra/contracts/router';
import { createHttpClient, type HttpClient } from './http-client.ts';

/** Where an answer must come from for a request to count as the path measured. */
export type Expect = 'provider' | 'cache' | 'any';

const SYSTEM = 'You are a concise assistant.';
/** The user message of request `id`: unique per id, so each is a cache miss unless asked again. */
export const promptOf = (id: string) =>
  `Request ${id}: in two sentences, explain why a circuit breaker helps a gateway keep answering when one of its providers fails.`;

const openAiBody = (model: string, prompt: string, stream: boolean) =>
  JSON.stringify({
    model,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: prompt },
    ],
    ...(stream ? { stream: true } : {}),
  });

const grpcRequest = (prompt: string) => ({
  request: {
    model: 'chat',
    messages: [
      { role: Role.SYSTEM, content: SYSTEM },
      { role: Role.USER, content: prompt },
    ],
  },
});

const SERVED: Record<Exclude<Expect, 'any'>, ServedFrom> = { provider: ServedFrom.PROVIDER, cache: ServedFrom.CACHE };

/** One router's two front doors. */
export interface RouterPaths {
  /** `POST /v1/chat/completions` on the HTTP/1.1 port; throws unless 200 and served from `expect`. */
  http(prompt: string, expect: Expect): Promise<void>;
  /** The same with `stream: true`; resolves with the time to the first text chunk, in ms. */
  httpStream(prompt: string): Promise<number>;
  /** `RouterService/Complete` over gRPC (HTTP/2, binary protobuf, one connection). */
  grpc(prompt: string, expect: Expect, timeoutMs?: number): Promise<string[]>;
  /** `RouterService/StreamComplete`; resolves with the time to the first delta, in ms. */
  grpcStream(prompt: string): Promise<number>;
  /** `GET /healthz`: the HTTP front's floor (same socket pool, no chat work). */
  floorHttp(): Promise<void>;
  /** `grpc.health.v1.Health/Check`: the gRPC front's floor. */
  floorGrpc(): Promise<void>;
  close(): void;
}

/** The simulator called directly, OpenAI's API, as an application would without Ultra. */
export interface DirectPaths {
  http(prompt: string): Promise<void>;
  httpStream(prompt: string): Promise<number>;
  close(): void;
}

export function createDirectPaths(simUrl: string, maxSockets: number): DirectPaths {
  const client = createHttpClient(simUrl, maxSockets);
  const path = '/openai/v1/chat/completions';
  return {
    async http(prompt) {
      const res = await client.request('POST', path, openAiBody('gpt-4o-mini', prompt, false));
      if (res.status !== 200) throw new Error(`simulator answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
    },
    async httpStream(prompt) {
      const res = await client.stream(path, openAiBody('gpt-4o-mini', prompt, true));
      if (res.status !== 200 || Number.isNaN(res.ttftMs)) throw new Error(`simulator stream: status ${res.status}, ${res.chunks} text chunks`);
      return res.ttftMs;
    },
    close: () => client.close(),
  };
}

export function createRouterPaths(ports: { grpc: number; http: number }, maxSockets: number): RouterPaths {
  const http: HttpClient = createHttpClient(`http://127.0.0.1:${ports.http}`, maxSockets);
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${ports.grpc}` });
  const router: Client<typeof RouterService> = createClient(RouterService, transport);
  const health = createClient(Health, transport);
  return {
    async http(prompt, expect) {
      const res = await http.request('POST', '/v1/chat/completions', openAiBody('chat', prompt, false));
      const from = res.headers['x-ultra-served-from'];
      if (res.status !== 200 || (expect !== 'any' && from !== expect)) {
        throw new Error(`router HTTP answered ${res.status} from ${String(from)} (expected ${expect}): ${res.body.toString().slice(0, 200)}`);
      }
    },
    async httpStream(prompt) {
      const res = await http.stream('/v1/chat/completions', openAiBody('chat', prompt, true));
      if (res.status !== 200 || Number.isNaN(res.ttftMs)) throw new Error(`router HTTP stream: status ${res.status}, ${res.chunks} text chunks`);
      return res.ttftMs;
    },
    async grpc(prompt, expect, timeoutMs) {
      const res = await router.complete(grpcRequest(prompt), timeoutMs === undefined ? {} : { timeoutMs });
      const answer = res.answer;
      if (!answer || (expect !== 'any' && answer.servedFrom !== SERVED[expect])) throw new Error(`router gRPC answer served from ${answer ? ServedFrom[answer.servedFrom] : 'nothing'} (expected ${expect})`);
      return answer.attempts.map((a) => a.provider);
    },
    async grpcStream(prompt) {
      const t0 = performance.now();
      let ttft = Number.NaN;
      for await (const res of router.streamComplete(grpcRequest(prompt))) {
        if (Number.isNaN(ttft) && res.event.case === 'delta' && res.event.value.text !== '') ttft = performance.now() - t0;
      }
      if (Number.isNaN(ttft)) throw new Error('router gRPC stream ended without a text delta');
      return ttft;
    },
    async floorHttp() {
      const res = await http.request('GET', '/healthz');
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    },
    async floorGrpc() {
      await health.check({ service: '' });
    },
    close: () => http.close(),
  };
}
