import type { AdapterFactory } from '../types.ts';
import { createWireAdapter } from '../wire-adapter.ts';
import { isRecord } from '@ultra/core';
import type { WireSpec } from '../wire-spec.ts';
import { describeCohereError } from './errors.ts';
import { toCohereRequest } from './request.ts';
import { createCohereStreamDecoder, fromCohereResponse } from './response.ts';

/**
 * Cohere's Chat v2: `POST {base_url}/v2/chat` with `Authorization: Bearer`, probe
 * `GET {base_url}/v1/models`. `base_url` is the host (`https://api.cohere.com`).
 */
export const cohereWire: WireSpec = {
  authHeaders: (key): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {}),
  chat: (model, request, stream) => ({ path: '/v2/chat', body: toCohereRequest(model, request, stream) }),
  parseCompletion: fromCohereResponse,
  createStreamDecoder: createCohereStreamDecoder,
  probePath: '/v1/models',
  isProbeAnswer: (body) => isRecord(body) && Array.isArray(body['models']),
  describeError: describeCohereError,
};

/** The adapter for `type: cohere` endpoints. */
export const createCohereAdapter: AdapterFactory = (endpoint, deps = {}) => createWireAdapter(endpoint, deps, cohereWire);
