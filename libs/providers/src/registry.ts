import { createAnthropicAdapter } from './anthropic/adapter.ts';
import { createCohereAdapter } from './cohere/adapter.ts';
import { createGeminiAdapter } from './gemini/adapter.ts';
import { createOpenAIAdapter } from './openai/adapter.ts';
import type { AdapterDeps, AdapterFactory, Endpoint, EndpointType, ProviderAdapter } from './types.ts';

/** Each wire format's adapter factory. Every OpenAI-compatible server uses `openai`. */
export const ADAPTER_FACTORIES: Readonly<Record<EndpointType, AdapterFactory>> = Object.freeze({
  openai: createOpenAIAdapter,
  anthropic: createAnthropicAdapter,
  gemini: createGeminiAdapter,
  cohere: createCohereAdapter,
});

/**
 * Creates the adapter for `endpoint` by its `type`.
 * @param deps `clock` (default systemClock) and `fetch` (default Node's fetch)
 * @throws TypeError for a type no adapter speaks (config validation should have caught it)
 */
export function createAdapter(endpoint: Endpoint, deps: Partial<AdapterDeps> = {}): ProviderAdapter {
  const factory = Object.hasOwn(ADAPTER_FACTORIES, endpoint.type) ? ADAPTER_FACTORIES[endpoint.type] : undefined;
  if (!factory) {
    throw new TypeError(
      `provider "${endpoint.name}": unknown endpoint type "${String(endpoint.type)}" (known: ${Object.keys(ADAPTER_FACTORIES).join(', ')})`,
    );
  }
  return factory(endpoint, deps);
}
