import type { AdapterFactory } from '../types.ts';
import { createWireAdapter } from '../wire-adapter.ts';
import { isRecord } from '@ultra/core';
import type { WireSpec } from '../wire-spec.ts';
import { describeAnthropicError } from './errors.ts';
import { toAnthropicRequest } from './request.ts';
import { createAnthropicStreamDecoder, fromAnthropicResponse } from './response.ts';

/** The Messages API version Ultra speaks (the `anthropic-version` header). */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Anthropic's Messages API: `POST {base_url}/v1/messages` with `x-api-key` and
 * `anthropic-version`, probe `GET {base_url}/v1/models`. `base_url` is the host, as in
 * the official SDK (`https://api.anthropic.com`).
 */
export const anthropicWire: WireSpec = {
  authHeaders: (key) => ({ 'anthropic-version': ANTHROPIC_VERSION, ...(key ? { 'x-api-key': key } : {}) }),
  chat: (model, request, stream) => ({ path: '/v1/messages', body: toAnthropicRequest(model, request, stream) }),
  parseCompletion: fromAnthropicResponse,
  createStreamDecoder: createAnthropicStreamDecoder,
  probePath: '/v1/models',
  isProbeAnswer: (body) => isRecord(body) && Array.isArray(body['data']),
  describeError: describeAnthropicError,
};

/** The adapter for `type: anthropic` endpoints. */
export const createAnthropicAdapter: AdapterFactory = (endpoint, deps = {}) => createWireAdapter(endpoint, deps, anthropicWire);
