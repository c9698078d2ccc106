import type { AdapterFactory } from '../types.ts';
import { createWireAdapter } from '../wire-adapter.ts';
import { isRecord } from '@ultra/core';
import type { WireSpec } from '../wire-spec.ts';
import { describeGeminiError } from './errors.ts';
import { geminiModelPath, toGeminiRequest } from './request.ts';
import { createGeminiStreamDecoder, fromGeminiResponse } from './response.ts';

/**
 * The Gemini API (Google AI Studio): `POST {base_url}/v1beta/models/{model}:generateContent`
 * and `:streamGenerateContent?alt=sse`, key in the `x-goog-api-key` header (never in the
 * URL), probe `GET {base_url}/v1beta/models`. `base_url` is the host
 * (`https://generativelanguage.googleapis.com`).
 */
export const geminiWire: WireSpec = {
  authHeaders: (key): Record<string, string> => (key ? { 'x-goog-api-key': key } : {}),
  chat: (model, request, stream) => ({
    path: `${geminiModelPath(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    body: toGeminiRequest(request),
  }),
  parseCompletion: fromGeminiResponse,
  createStreamDecoder: createGeminiStreamDecoder,
  probePath: '/v1beta/models',
  isProbeAnswer: (body) => isRecord(body) && Array.isArray(body['models']),
  describeError: describeGeminiError,
};

/** The adapter for `type: gemini` endpoints. */
export const createGeminiAdapter: AdapterFactory = (endpoint, deps = {}) => createWireAdapter(endpoint, deps, geminiWire);
