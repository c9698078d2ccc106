import { create } from '@bufbuild/protobuf';
import { NoCandidatesError } from '@ultra/core';
import { AttemptSchema, Outcome, ResponseFormatType, Role, type Attempt, type ChatRequest } from '@ultra/contracts/chat';
import { TYPE_CAPABILITIES, type Capabilities, type UltraConfig } from '@ultra/config';
import type { Candidate } from './candidates.ts';

/** A capability a request may need, by its config name. */
export type Capability = keyof Capabilities;

/**
 * What a request needs besides text: `tools` for tools or any tool call or tool result in
 * the conversation (a provider without tools cannot read those turns), `json_schema` for a
 * JSON response format, `images` for an image in any message.
 */
export function needsOf(request: ChatRequest): Capability[] {
  const needs: Capability[] = [];
  const history = request.messages.some((m) => m.toolCalls.length > 0 || m.role === Role.TOOL);
  if (request.tools.length > 0 || history) needs.push('tools');
  const f = request.responseFormat?.type;
  if (f === ResponseFormatType.JSON_OBJECT || f === ResponseFormatType.JSON_SCHEMA) needs.push('json_schema');
  if (request.messages.some((m) => m.parts.some((p) => p.part.case === 'image'))) needs.push('images');
  return needs;
}

/** What `provider` can honour for `model`: its type's defaults, the endpoint's override, the model's override. */
export function capabilitiesOf(config: UltraConfig, provider: string, model: string): Capabilities {
  const p = config.providers[provider];
  if (!p) return { tools: false, json_schema: false, images: false };
  return { ...TYPE_CAPABILITIES[p.type], ...p.capabilities, ...p.modelCapabilities?.[model] };
}

/**
 * Drops the candidates that cannot honour what the request needs, so that no failover
 * silently loses a tool, a schema or an image. Each one dropped is an attempt of outcome
 * SKIPPED whose detail names what it lacks (`x-ultra-attempts: local:skipped-tools:0ms`).
 * With none left, INVALID_ARGUMENT naming the missing capability and who lacks it.
 */
export function honouring(config: UltraConfig, tiers: Candidate[][], request: ChatRequest, model: string): { tiers: Candidate[][]; skipped: Attempt[] } {
  const needs = needsOf(request);
  if (needs.length === 0) return { tiers, skipped: [] };
  const skipped: Attempt[] = [];
  const kept = tiers.map((tier) =>
    tier.filter((c) => {
      const can = capabilitiesOf(config, c.provider, c.model);
      const lacks = needs.filter((n) => !can[n]);
      if (lacks.length === 0) return true;
      skipped.push(create(AttemptSchema, { provider: c.provider, model: c.model, outcome: Outcome.SKIPPED, latencyMs: 0, detail: lacks.join('+') }));
      return false;
    }),
  );
  if (kept.every((t) => t.length === 0)) {
    const who = skipped.map((a) => `${a.provider} (${a.model}) lacks ${a.detail.replaceAll('+', ', ')}`).join('; ');
    throw new NoCandidatesError(model, `model "${model}": no provider can honour this request's ${needs.join(', ')}: ${who}`);
  }
  return { tiers: kept.filter((t) => t.length > 0), skipped };
}
