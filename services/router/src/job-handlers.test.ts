import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { ChatRequestSchema, Outcome, Role } from '@ultra/contracts/chat';
import { JobSchema, JobState, RouterService } from '@ultra/contracts/router';
import { systemClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createStubFlow, JobError, type JobQueue } from '@ultra/queue';
import type { ChatFlow } from './chat-flow.ts';
import { createJobHandlers } from './job-handlers.ts';
import { createRouterService } from './router-service.ts';

const stub = createStubFlow({ delayMs: 0, clock: systemClock });
const flow: ChatFlow = { complete: (r, o) => stub.complete(r!, { signal: o.signal, timeoutMs: o.timeoutMs ?? 1_000 }), stream: async function* () {} };
const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'hi' }] });

const clientFor = (queue: JobQueue | undefined) =>
  createClient(RouterService, createRouterTransport((r) => r.service(RouterService, createRouterService(flow, createJobHandlers(queue)))));

async function codeOf(p: Promise<unknown>): Promise<[Code, string] | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    const err = ConnectError.from(e);
    return [err.code, err.rawMessage];
  }
}

describe('job RPCs', () => {
  it('without Redis, every one answers FAILED_PRECONDITION saying what to set', async () => {
    const client = clientFor(undefined);
    const refused = [Code.FailedPrecondition, 'the queue needs Redis: set REDIS_URL'];
    expect(await codeOf(client.submitJob({ request }))).toEqual(refused);
    expect(await codeOf(client.getJob({ id: 'j1' }))).toEqual(refused);
    expect(await codeOf(client.cancelJob({ id: 'j1' }))).toEqual(refused);
    expect(await codeOf(client.listDeadLetters({}))).toEqual(refused);
    expect(await codeOf(client.redriveDeadLetter({ target: { case: 'id', value: 'j1' } }))).toEqual(refused);
    expect(await codeOf(client.purgeDeadLetter({ target: { case: 'filter', value: {} } }))).toEqual(refused);
    expect(await codeOf((async () => { for await (const _ of client.watchJob({ id: 'j1' })) void _; })())).toEqual(refused);
    // the flow behind Complete is unaffected
    expect((await client.complete({ request })).answer?.text).toBe('answer to hi');
  });

  it('map the queue: domain errors to status codes, filters and targets from the messages', async () => {
    const seen: unknown[] = [];
    const job = create(JobSchema, { id: 'j1', state: JobState.QUEUED });
    const fake: Partial<JobQueue> = {
      submit: async (_r, options) => (seen.push(options), { job, created: true }),
      get: async (id) => {
        throw new JobError('not-found', `no job "${id}"`);
      },
      cancel: async () => {
        throw new JobError('conflict', 'job j1 is already answered; only a job that has not ended can be cancelled');
      },
      listDeadLetters: async (size, token, filter) => (seen.push({ size, token, filter }), { jobs: [job], nextPageToken: '7', total: 9 }),
      redrive: async (target) => (seen.push(target), ['j1']),
      purge: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      },
    };
    const client = clientFor(fake as JobQueue);
    const submitted = await client.submitJob({ request, deadline: { seconds: 2_000_000_000n, nanos: 0 } });
    expect(submitted).toMatchObject({ created: true, job: { id: 'j1' } });
    expect(seen.pop()).toEqual({ deadline: 2_000_000_000_000 });
    expect(await codeOf(client.getJob({ id: 'nope' }))).toEqual([Code.NotFound, 'no job "nope"']);
    expect(await codeOf(client.getJob({ id: '' }))).toEqual([Code.InvalidArgument, 'id: must not be empty']);
    expect((await codeOf(client.cancelJob({ id: 'j1' })))?.[0]).toBe(Code.FailedPrecondition);
    const page = await client.listDeadLetters({ pageSize: 5, pageToken: '2', filter: { outcome: Outcome.RATE_LIMITED, model: 'chat' } });
    expect(page).toMatchObject({ nextPageToken: '7', total: 9 });
    expect(seen.pop()).toEqual({ size: 5, token: '2', filter: { outcome: Outcome.RATE_LIMITED, model: 'chat' } });
    expect((await client.redriveDeadLetter({ target: { case: 'filter', value: {} } })).jobIds).toEqual(['j1']);
    expect(seen.pop()).toEqual({ filter: {} });
    expect(await codeOf(client.redriveDeadLetter({}))).toEqual([Code.InvalidArgument, expect.stringMatching(/set id \(one job\) or filter/)]);
    expect(await codeOf(client.purgeDeadLetter({ target: { case: 'id', value: 'j1' } }))).toEqual([Code.Unavailable, expect.stringMatching(/queue cannot be reached/)]);
  });
});
