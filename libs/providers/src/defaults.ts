import type { EndpointType } from './types.ts';

/** Where one of the action plan's named providers lives when config says nothing more. */
export interface DefaultEndpoint {
  readonly name: string;
  readonly type: EndpointType;
  /** Base URL in the official SDK's convention. */
  readonly baseUrl: string;
  /** The environment variable that holds the key. */
  readonly apiKeyEnv: string;
  /** A current small model, the one the built-in `chat` alias maps to. */
  readonly model: string;
}

/**
 * The action plan's provider names (`openai`, `anthropic`, `google`, `cohere`), which need
 * no `endpoints:` entry. Data only, so the config library can read it.
 */
export const DEFAULT_ENDPOINTS: Readonly<Record<string, DefaultEndpoint>> = Object.freeze({
  openai: Object.freeze({
    name: 'openai',
    type: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    apiKeyEnv: 'OPENAI_API_KEY',
    model: 'gpt-4o-mini',
  }),
  anthropic: Object.freeze({
    name: 'anthropic',
    type: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    model: 'claude-3-5-haiku-latest',
  }),
  google: Object.freeze({
    name: 'google',
    type: 'gemini',
    baseUrl: 'https://generativelanguage.googleapis.com',
    apiKeyEnv: 'GEMINI_API_KEY',
    model: 'gemini-2.0-flash',
  }),
  cohere: Object.freeze({
    name: 'cohere',
    type: 'cohere',
    baseUrl: 'https://api.cohere.com',
    apiKeyEnv: 'COHERE_API_KEY',
    model: 'command-r',
  }),
});

/** The defaults for one of the action plan's provider names, or undefined for any other name. */
export function defaultEndpointFor(name: string): DefaultEndpoint | undefined {
  return Object.hasOwn(DEFAULT_ENDPOINTS, name) ? DEFAULT_ENDPOINTS[name] : undefined;
}
