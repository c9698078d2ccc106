import { InvalidRequestError } from '@ultra/core';
import type { UltraConfig } from '@ultra/config';

/** One provider that may answer a request, with the model name it knows it by. */
export interface Candidate {
  provider: string;
  model: string;
  tier: string;
}

/**
 * The providers that offer `model` (an alias or a provider's own model name), tier by
 * tier in the order of config. Throws an `InvalidRequestError` on `model` when none does.
 */
export function candidatesFor(config: UltraConfig, requested: string): Candidate[][] {
  const model = requested === '' ? config.defaultModel : requested;
  const alias = config.models[model];
  const tiers = config.tiers.map((tier) =>
    tier.providers.flatMap((provider): Candidate[] => {
      const own = alias ? alias[provider] : config.providers[provider]?.models.includes(model) ? model : undefined;
      return own ? [{ provider, model: own, tier: tier.name }] : [];
    }),
  );
  if (tiers.every((t) => t.length === 0)) {
    const offered = [...new Set(Object.values(config.providers).flatMap((p) => p.models))];
    throw new InvalidRequestError('model', `unknown model "${model}" (aliases: ${Object.keys(config.models).join(', ')}; models: ${offered.join(', ')})`, 'model_not_found');
  }
  return tiers.filter((t) => t.length > 0);
}
