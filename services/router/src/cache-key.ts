import { createHash } from 'node:crypto';
import { CachePolicy, type ChatRequest, type ContentPart } from '@ultra/contracts/chat';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A content part in the key: text unchanged, an image by its URL or the SHA-256 of its bytes. */
function partKey(p: ContentPart): unknown {
  if (p.part.case === 'text') return ['t', p.part.value];
  if (p.part.case !== 'image') return null;
  const { source, mimeType, detail } = p.part.value;
  return ['i', source.case === 'data' ? `sha256:${sha256(source.value)}` : (source.value ?? ''), mimeType, detail];
}

/**
 * The cache key of a request: a SHA-256 over its normalised form, i.e. the model as
 * asked and everything that changes the answer (messages with their parts, tool calls
 * and tool results, images by the hash of their bytes, tools, tool choice, response
 * format, sampling parameters), and nothing that does not (session, priority, cache
 * policy, idempotency key).
 */
export function cacheKey(model: string, request: ChatRequest): string {
  const s = request.sampling;
  const normal = {
    m: model,
    msg: request.messages.map((x) => [
      x.role,
      x.content,
      x.name,
      ...(x.parts.length || x.toolCalls.length || x.toolCallId ? [x.parts.map(partKey), x.toolCalls.map((c) => [c.id, c.name, c.arguments, c.signature]), x.toolCallId] : []),
    ]),
    ...(request.tools.length ? { tools: request.tools.map((t) => [t.name, t.description, t.parameters, t.strict ?? null]) } : {}),
    ...(request.toolChoice ? { tc: [request.toolChoice.mode, request.toolChoice.functionName] } : {}),
    ...(request.parallelToolCalls !== undefined ? { ptc: request.parallelToolCalls } : {}),
    ...(request.responseFormat ? { rf: [request.responseFormat.type, request.responseFormat.name, request.responseFormat.description, request.responseFormat.schema, request.responseFormat.strict ?? null] } : {}),
    t: s?.temperature ?? null,
    p: s?.topP ?? null,
    n: s?.maxTokens ?? null,
    stop: s?.stop ?? [],
    seed: s?.seed?.toString() ?? null,
    pp: s?.presencePenalty ?? null,
    fp: s?.frequencyPenalty ?? null,
  };
  return `chat:${sha256(JSON.stringify(normal))}`;
}

/** Whether a request may be answered from the cache, and whether its answer may be stored. */
export function cachePolicyOf(request: ChatRequest, maxTemperature: number): { lookup: boolean; store: boolean; staleOk: boolean } {
  const hot = (request.sampling?.temperature ?? 0) > maxTemperature;
  const policy = request.cachePolicy;
  const storeable = !hot && policy !== CachePolicy.NO_STORE;
  return {
    lookup: storeable && policy !== CachePolicy.NO_CACHE,
    store: storeable,
    staleOk: policy === CachePolicy.STALE_OK,
  };
}
