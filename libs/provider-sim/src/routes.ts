import type { IncomingHttpHeaders } from 'node:http';
import { anthropicSimWire } from './wire/anthropic.ts';
import { cohereSimWire } from './wire/cohere.ts';
import { geminiSimWire } from './wire/gemini.ts';
import { openAISimWire } from './wire/openai.ts';
import type { SimWire } from './wire/types.ts';

/** A chat call on one of the four wire formats. */
export interface ChatRoute {
  kind: 'chat';
  template: string;
  wire: SimWire;
  /** The model named in the path (Gemini). */
  pathModel?: string;
  /** The path asks for a stream (Gemini's `:streamGenerateContent`). */
  streamPath: boolean;
}

/** A model list: the probe of every adapter. */
export interface ModelsRoute {
  kind: 'models';
  template: string;
  /** `v1`: the `/v1/models` that OpenAI, Anthropic and Cohere share; `gemini`: `/v1beta/models`. */
  list: 'v1' | 'gemini';
}

export type Route = ChatRoute | ModelsRoute;

const GEMINI_CALL = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** Matches the part of a path after `/NAME` against the provider APIs' own paths. */
export function matchRoute(method: string | undefined, rest: string): Route | undefined {
  if (method === 'GET' && rest === '/v1/models') return { kind: 'models', template: '/v1/models', list: 'v1' };
  if (method === 'GET' && rest === '/v1beta/models') return { kind: 'models', template: '/v1beta/models', list: 'gemini' };
  if (method !== 'POST') return undefined;
  if (rest === '/v1/chat/completions') return { kind: 'chat', template: rest, wire: openAISimWire, streamPath: false };
  if (rest === '/v1/messages') return { kind: 'chat', template: rest, wire: anthropicSimWire, streamPath: false };
  if (rest === '/v2/chat') return { kind: 'chat', template: rest, wire: cohereSimWire, streamPath: false };
  const gemini = GEMINI_CALL.exec(rest);
  if (!gemini) return undefined;
  const stream = gemini[2] === 'streamGenerateContent';
  return {
    kind: 'chat',
    template: `/v1beta/models/{model}:${gemini[2]}`,
    wire: geminiSimWire,
    pathModel: decodeURIComponent(gemini[1]!),
    streamPath: stream,
  };
}

/**
 * The wire whose auth and error shape a model list uses. `/v1/models` is shared: a call
 * with Anthropic's headers gets Anthropic's shapes, any other OpenAI's (whose `Bearer`
 * is also Cohere's).
 */
export function listWire(route: ModelsRoute, headers: IncomingHttpHeaders): SimWire {
  if (route.list === 'gemini') return geminiSimWire;
  return headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined ? anthropicSimWire : openAISimWire;
}

/**
 * The model list. For `/v1/models` one body that all three readers accept: OpenAI's
 * `{object: "list", data: [{id, object, owned_by}]}`, Anthropic's `data: [{id, type,
 * display_name}]` with `has_more`, and Cohere's `models: [{name, endpoints}]`.
 */
export function modelList(route: ModelsRoute, names: readonly string[]): unknown {
  if (route.list === 'gemini') {
    return {
      models: names.map((n) => ({ name: `models/${n}`, displayName: n, supportedGenerationMethods: ['generateContent', 'streamGenerateContent'] })),
    };
  }
  return {
    object: 'list',
    data: names.map((id) => ({ id, object: 'model', type: 'model', display_name: id, created: 0, created_at: '1970-01-01T00:00:00Z', owned_by: 'provider-sim' })),
    has_more: false,
    models: names.map((name) => ({ name, endpoints: ['chat'], context_length: 128000 })),
  };
}
