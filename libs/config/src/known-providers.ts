/** The wire formats Ultra speaks. `openai` also covers every OpenAI-compatible server. */
export const ENDPOINT_TYPES = ['openai', 'anthropic', 'gemini', 'cohere'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

export interface KnownProvider {
  type: EndpointType;
  baseUrl: string;
  apiKeyEnv: string;
  /** The model the built-in `chat` alias maps to. */
  chatModel: string;
}

/**
 * The action plan's provider names, which need no `endpoints` entry: each defaults to
 * the real provider, with its key from the usual environment variable.
 */
export const KNOWN_PROVIDERS: Readonly<Record<string, KnownProvider>> = Object.freeze({
  openai: { type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY', chatModel: 'gpt-4o-mini' },
  anthropic: {
    type: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    chatModel: 'claude-3-5-haiku-latest',
  },
  google: {
    type: 'gemini',
    baseUrl: 'https://generativelanguage.googleapis.com',
    apiKeyEnv: 'GEMINI_API_KEY',
    chatModel: 'gemini-2.0-flash',
  },
  cohere: { type: 'cohere', baseUrl: 'https://api.cohere.com', apiKeyEnv: 'COHERE_API_KEY', chatModel: 'command-r' },
});
