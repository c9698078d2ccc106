import { create, isMessage, type DescMessage, type DescMethodStreaming, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor, type StreamRequest, type StreamResponse } from '@connectrpc/connect';
import { getAbortSignalReason } from '@connectrpc/connect/protocol';
import { endCall } from './call-end.ts';

type AnyFn = Parameters<Interceptor>[0];

export interface LocalStreamOptions<I extends DescMessage, O extends DescMessage> {
  readonly method: DescMethodStreaming<I, O>;
  readonly interceptors: readonly Interceptor[];
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  readonly req: Omit<StreamRequest<I, O>, 'signal' | 'message'>;
  readonly message: AsyncIterable<MessageInitShape<I>>;
  /** The call itself, after the client interceptors. */
  readonly next: (req: StreamRequest<I, O>) => Promise<StreamResponse>;
}

/** `input`, each message made a message of `desc` (as connect's transports hand requests on). */
async function* messagesOf<I extends DescMessage>(desc: I, input: AsyncIterable<MessageInitShape<I>>): AsyncGenerator<MessageShape<I>> {
  for await (const m of input) yield create(desc, m);
}

/** `input` checked to be messages of `desc` (an interceptor could have swapped the request for others). */
async function* checked<I extends DescMessage>(desc: I, input: AsyncIterable<unknown>): AsyncGenerator<MessageShape<I>> {
  for await (const m of input) {
    if (!isMessage(m, desc)) throw new ConnectError(`the in-process request is not a ${desc.typeName}`, Code.Internal);
    yield m;
  }
}

/**
 * One streaming call as connect's `runStreamingCall` runs it (client interceptors around
 * `next`; one signal that the caller's signal and the deadline abort, that an error
 * aborts, and that ends when the answer's last message is read; the request's iterable
 * returned once the call is aborted), with one AbortController and one deadline timer
 * instead of two linked controllers, and no `DOMException` when it ends: at the end the
 * signal is aborted only if something still listens on it.
 */
export async function runLocalStream<I extends DescMessage, O extends DescMessage>(opt: LocalStreamOptions<I, O>): Promise<StreamResponse<I, O>> {
  const { method, signal: caller, timeoutMs } = opt;
  const controller = new AbortController();
  const own = controller.signal;
  let over = false;
  const settle = () => {
    over = true;
    clearTimeout(timer);
    caller?.removeEventListener('abort', onAbort);
  };
  const abort = (reason: unknown) => {
    if (own.aborted) return;
    controller.abort(reason);
    // (as connect does: the request's iterable is told the call is over)
    const it = opt.message[Symbol.asyncIterator]();
    if (!over) it.throw?.(reason).catch(() => undefined);
    it.return?.().catch(() => undefined);
  };
  const onAbort = () => abort(caller ? getAbortSignalReason(caller) : undefined);
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => abort(new ConnectError('the operation timed out', Code.DeadlineExceeded)), Math.max(0, timeoutMs));
  if (caller?.aborted) onAbort();
  else caller?.addEventListener('abort', onAbort, { once: true });
  const fail = (e: unknown): Promise<never> => {
    // A deadline or the caller's abort wins over what the call threw on its way out.
    const error = ConnectError.from(own.aborted ? own.reason : e);
    abort(error);
    settle();
    return Promise.reject(error);
  };
  const done = () => {
    settle();
    endCall(controller);
  };
  const first: AnyFn = (req) => (req.stream ? opt.next({ ...req, method, message: checked(method.input, req.message) }) : Promise.reject(new ConnectError(`${method.name}: a streaming call was given a unary request`, Code.Internal)));
  const chain = opt.interceptors.reduceRight<AnyFn>((next, interceptor) => interceptor(next), first);
  const res = await chain({ ...opt.req, stream: true, signal: own, message: messagesOf(method.input, opt.message) }).catch(fail);
  if (!res.stream) return fail(new ConnectError(`${method.name}: the in-process answer is not a stream`, Code.Internal));
  const answers = res.message;
  return {
    ...res,
    stream: true,
    method,
    message: {
      [Symbol.asyncIterator]() {
        const it = answers[Symbol.asyncIterator]();
        return {
          // (no return or throw, as connect's: a reader that stops early cancels by its signal)
          next: () =>
            it.next().then((r): IteratorResult<MessageShape<O>> | Promise<never> => {
              if (r.done === true) {
                done();
                return { done: true, value: undefined };
              }
              if (!isMessage(r.value, method.output)) return fail(new ConnectError(`${method.name}: an in-process answer is not a ${method.output.typeName}`, Code.Internal));
              return { done: false, value: r.value };
            }, fail),
        };
      },
    },
  };
}
