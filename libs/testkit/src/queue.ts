import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { ChatAnswerSchema, ChatRequestSchema, Role, type ChatAnswer, type ChatRequest } from '@ultra/contracts/chat';
import { JobState, type Job } from '@ultra/contracts/router';
import { parseConfig, type QueueConfig } from '@ultra/config';
import { systemClock, systemRandom, type Random } from '@ultra/core';
import { createJobQueue, createJobWorker, isFinal, type AttemptOptions, type JobQueue, type JobWorker, type QueueFlow } from '@ultra/queue';

// The queue's test helpers, apart from the package's index (`@ultra/testkit/queue`): they load BullMQ.

let seq = 0;

/** The `queue:` section for `yaml` (flow style, e.g. `{ max_attempts: 2 }`), under a key prefix of its own. */
export function queueConfig(yaml = '{}'): QueueConfig {
  const config = parseConfig(`providers:\n  primary: [openai]\nqueue: ${yaml}\n`, 'queue-test.yaml', {});
  return { ...config.queue, keyPrefix: `t${process.pid}-${Date.now().toString(36)}-${++seq}` };
}

/** A user message `text`, with an idempotency key when given. */
export function ask(text: string, key = '', model = 'chat'): ChatRequest {
  return create(ChatRequestSchema, { model, messages: [{ role: Role.USER, content: text }], idempotencyKey: key });
}

export const answer = (text: string, extra: MessageInitShape<typeof ChatAnswerSchema> = {}) => create(ChatAnswerSchema, { text, provider: 'stub', ...extra });

/** A flow that runs `script` for each call and remembers when each call started and ended (epoch ms). */
export function scriptedFlow(script: (request: ChatRequest, call: number, options: AttemptOptions) => Promise<ChatAnswer>) {
  const calls: { key: string; text: string; start: number; end: number; aborted: boolean }[] = [];
  const flow: QueueFlow = {
    async complete(r, options) {
      const entry = { key: r.idempotencyKey, text: r.messages.at(-1)?.content ?? '', start: Date.now(), end: 0, aborted: false };
      calls.push(entry);
      try {
        return await script(r, calls.length, options);
      } finally {
        entry.end = Date.now();
        entry.aborted = options.signal.aborted;
      }
    },
  };
  return { flow, calls };
}

export interface TestQueue {
  queue: JobQueue;
  worker?: JobWorker;
  config: QueueConfig;
  stop(): Promise<void>;
}

/** A queue on `redisUrl`, with a worker running `flow` unless `flow` is undefined. */
export function startQueue(redisUrl: string, config: QueueConfig, flow?: QueueFlow, random: Random = systemRandom): TestQueue {
  const queue = createJobQueue({ redisUrl, config, clock: systemClock });
  const worker = flow ? createJobWorker({ queue, flow, random }) : undefined;
  return {
    queue,
    ...(worker ? { worker } : {}),
    config,
    async stop() {
      await worker?.close(1_000);
      await queue.close();
    },
  };
}

/** Reads the job until `ok` holds (by default: a final state), every 20 ms for at most `timeoutMs`. */
export async function jobUntil(queue: JobQueue, id: string, ok: (job: Job) => boolean = (j) => isFinal(j.state), timeoutMs = 10_000): Promise<Job> {
  const end = Date.now() + timeoutMs;
  let last: Job | undefined;
  while (Date.now() < end) {
    last = await queue.get(id);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting on job ${id}; last state ${last ? JobState[last.state] : 'none'}`);
}

/** Resolves after `ms` of real time (the queue runs on Redis's and BullMQ's real time). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { systemClock };
