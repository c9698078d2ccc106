import { KNOWN_PROVIDERS } from '@ultra/config';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENDPOINTS, defaultEndpointFor } from './defaults.ts';
import { ADAPTER_FACTORIES, createAdapter } from './registry.ts';
import type { EndpointType } from './types.ts';

describe('createAdapter', () => {
  it('has one factory per wire format', () => {
    expect(Object.keys(ADAPTER_FACTORIES).sort()).toEqual(['anthropic', 'cohere', 'gemini', 'openai']);
    for (const type of Object.keys(ADAPTER_FACTORIES) as EndpointType[]) {
      const endpoint = { name: `x-${type}`, type, baseUrl: 'http://127.0.0.1:1', models: [] };
      expect(createAdapter(endpoint).endpoint).toBe(endpoint);
    }
  });

  it('refuses an unknown type, naming it', () => {
    const endpoint = { name: 'odd', type: 'bedrock' as EndpointType, baseUrl: 'http://x', models: [] };
    expect(() => createAdapter(endpoint)).toThrow('provider "odd": unknown endpoint type "bedrock" (known: openai, anthropic, gemini, cohere)');
  });
});

describe('defaultEndpointFor', () => {
  it('gives the action plan’s four names and nothing else', () => {
    expect(defaultEndpointFor('google')).toEqual({
      name: 'google',
      type: 'gemini',
      baseUrl: 'https://generativelanguage.googleapis.com',
      apiKeyEnv: 'GEMINI_API_KEY',
      model: 'gemini-2.0-flash',
    });
    expect(defaultEndpointFor('openai')?.model).toBe('gpt-4o-mini');
    expect(defaultEndpointFor('anthropic')?.apiKeyEnv).toBe('ANTHROPIC_API_KEY');
    expect(defaultEndpointFor('cohere')?.model).toBe('command-r');
    expect(defaultEndpointFor('local')).toBeUndefined();
    expect(defaultEndpointFor('toString')).toBeUndefined();
  });

  it('agrees with the config library’s known providers', () => {
    for (const [name, known] of Object.entries(KNOWN_PROVIDERS)) {
      const d = DEFAULT_ENDPOINTS[name];
      expect(d, name).toMatchObject({ type: known.type, baseUrl: known.baseUrl, apiKeyEnv: known.apiKeyEnv, model: known.chatModel });
    }
  });
});
