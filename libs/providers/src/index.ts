export type {
  AdapterDeps,
  AdapterFactory,
  CallOptions,
  Completion,
  Endpoint,
  EndpointType,
  FetchLike,
  HttpAnswer,
  HttpRequestInit,
  AnswerBody,
  HeaderLookup,
  Outcome,
  ProviderAdapter,
  Secret,
  StreamEvent,
  ToolCallOut,
  ToolCallPiece,
} from './types.ts';
export { createToolCallAssembler, piece, piecesOf, type ToolCallAssembler } from './tool-calls.ts';
export { ProviderError, isProviderError, type ProviderErrorInit } from './provider-error.ts';
export {
  classifyErrorBody,
  classifyHttpError,
  outcomeForStatus,
  outcomeLabel,
  type DescribeError,
  type ErrorContext,
  type ErrorDetail,
} from './classify.ts';
export { classifyStreamFailure, classifyThrown } from './classify-thrown.ts';
export { retryAfterFromHeaders, parseResetDuration } from './retry-after.ts';
export { redact } from './redact.ts';
export type { StreamDecoder, StreamStep, WireSpec } from './wire-spec.ts';
export { createWireAdapter } from './wire-adapter.ts';
export { createHttpFetch, defaultHttpFetch } from './http-fetch.ts';
export { ADAPTER_FACTORIES, createAdapter } from './registry.ts';
export { DEFAULT_ENDPOINTS, defaultEndpointFor, type DefaultEndpoint } from './defaults.ts';
export { createOpenAIAdapter, openAIWire } from './openai/adapter.ts';
export { openAIToolFields, toOpenAIRequest, type OpenAIChatBody, type OpenAIMessage } from './openai/request.ts';
export { createAnthropicAdapter, anthropicWire, ANTHROPIC_VERSION } from './anthropic/adapter.ts';
export { toAnthropicRequest, ANTHROPIC_DEFAULT_MAX_TOKENS, type AnthropicMessagesBody } from './anthropic/request.ts';
export { createGeminiAdapter, geminiWire } from './gemini/adapter.ts';
export { toGeminiRequest, type GeminiGenerateBody, type GeminiGenerationConfig } from './gemini/request.ts';
export { createCohereAdapter, cohereWire } from './cohere/adapter.ts';
export { toCohereRequest, type CohereChatBody } from './cohere/request.ts';
