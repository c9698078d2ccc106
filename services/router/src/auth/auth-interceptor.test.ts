import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { ChatAnswerSchema, ChatRequestSchema, Role, type ChatRequest } from '@ultra/contracts/chat';
import { RouterService } from '@ultra/contracts/router';
import { parseConfig } from '@ultra/config';
import { validateRequest } from '@ultra/runtime';
import { describe, expect, it } from 'vitest';
import type { ChatFlow } from '../chat-flow.ts';
import { createJobHandlers } from '../job-handlers.ts';
import { createRouterService } from '../router-service.ts';
import { createErrorInterceptor } from '../rpc-errors.ts';
import { createAuthInterceptor } from './auth-interceptor.ts';
import { createGuard } from './guard.ts';
import { createKeyLimiter } from './key-limiter.ts';
import { createKeyStore, hashKey } from './key-store.ts';

const config = parseConfig(
  `providers:\n  p: [openai]\nauth:\n  keys:\n` +
    `    - { name: team-a, hash: "${hashKey('ultra-key-a')}", tenant: alpha }\n` +
    `    - { name: ops, hash: "${hashKey('ultra-key-ops')}", admin: true }\n`,
  't.yaml',
  {},
);
const guard = createGuard({ config, keys: createKeyStore(config.auth.keys), limiter: createKeyLimiter({}) });
/** A flow that validates as the real one does and answers with the tenant it was given. */
const tenants: string[] = [];
const flow: ChatFlow = {
  async complete(raw: ChatRequest | undefined, options) {
    validateRequest(raw);
    tenants.push(options.tenant ?? '');
    return create(ChatAnswerSchema, { text: 'ok' });
  },
  stream: async function* () {},
};
const client = createClient(
  RouterService,
  createRouterTransport((r) => r.service(RouterService, createRouterService(flow, createJobHandlers(undefined), guard)), {
    router: { interceptors: [createErrorInterceptor(), createAuthInterceptor(guard)] },
  }),
);
const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'hello' }] });
const codeOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => ConnectError.from(e).code);

describe('the auth interceptor', () => {
  it('refuses a call without a valid key before any handler runs', async () => {
    expect(await codeOf(client.complete({ request }))).toBe(Code.Unauthenticated);
    expect(await codeOf(client.complete({ request }, as('nope')))).toBe(Code.Unauthenticated);
    expect(tenants).toEqual([]);
  });

  it("puts the caller's key in the context: the flow gets its tenant", async () => {
    await client.complete({ request }, as('ultra-key-a'));
    expect(tenants).toEqual(['alpha']);
  });

  it('lets only admin keys reach the dead-letter RPCs', async () => {
    expect(await codeOf(client.listDeadLetters({}, as('ultra-key-a')))).toBe(Code.PermissionDenied);
    // past the interceptor: the handler says there is no queue
    expect(await codeOf(client.listDeadLetters({}, as('ultra-key-ops')))).toBe(Code.FailedPrecondition);
    expect(await codeOf(client.getJob({ id: 'j1' }, as('ultra-key-a')))).toBe(Code.FailedPrecondition);
  });

  it("turns the flow's domain errors into RPC errors with the same message", async () => {
    const err = await client.complete({ request: create(ChatRequestSchema, {}) }, as('ultra-key-a')).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument, rawMessage: 'messages: at least one message is required' });
  });

  it('a server without the interceptor does not serve the call as if the router were open', async () => {
    const bare = createClient(RouterService, createRouterTransport((r) => r.service(RouterService, createRouterService(flow, createJobHandlers(undefined), guard))));
    expect(await codeOf(bare.complete({ request }, as('ultra-key-a')))).toBe(Code.Internal);
    expect(await codeOf(bare.listDeadLetters({}, as('ultra-key-a')))).toBe(Code.Internal);
  });
});
