import type { AdapterFactory } from '../types.ts';
import { createWireAdapter } from '../wire-adapter.ts';
import type { WireSpec } from '../wire-spec.ts';
import { describeOpenAIError } from './errors.ts';
import { toOpenAIRequest } from './request.ts';
import { createOpenAIStreamDecoder, fromOpenAIResponse } from './response.ts';
import { isRecord } from '@ultra/core';

/**
 * OpenAI's Chat Completions wire format: `POST {base_url}/chat/completions` with
 * `Authorization: Bearer`, probe `GET {base_url}/models`. The base of every
 * OpenAI-compatible server: Azure OpenAI (v1 API), Ollama, vLLM, Groq, Together,
 * OpenRouter and others differ only in `base_url` (which includes the version, e.g. `/v1`).
 * With no key, no Authorization header is sent (local servers).
 */
export const openAIWire: WireSpec = {
  authHeaders: (key): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {}),
  chat: (model, request, stream) => ({ path: '/chat/completions', body: toOpenAIRequest(model, request, stream) }),
  parseCompletion: fromOpenAIResponse,
  createStreamDecoder: createOpenAIStreamDecoder,
  probePath: '/models',
  isProbeAnswer: (body) => isRecord(body) && Array.isArray(body['data']),
  describeError: describeOpenAIError,
};

/** The adapter for `type: openai` endpoints (OpenAI and every OpenAI-compatible server). */
export const createOpenAIAdapter: AdapterFactory = (endpoint, deps = {}) => createWireAdapter(endpoint, deps, openAIWire);
