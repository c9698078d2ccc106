import { KNOWN_PROVIDERS } from './known-providers.ts';
import type { ConfigFile } from './schema.ts';
import { checkResilience } from './knobs.ts';
import { checkDial } from './dial.ts';
import { isRecord } from '@ultra/core';

/** The parts of the file {@link crossCheck} reads; any may be missing when the schema failed. */
export interface CheckInput {
  providers?: Record<string, string[]>;
  endpoints?: Record<string, { models?: string[] }>;
  models?: Record<string, Record<string, string>>;
  default_model?: string;
  services?: ConfigFile['services'];
  weights?: Record<string, number>;
  breaker?: ConfigFile['breaker'];
  retry?: ConfigFile['retry'];
  bulkhead?: ConfigFile['bulkhead'];
  /** Number of client keys configured. */
  keyCount?: number;
}

/** True for a list of strings. */
export const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isString = (v: unknown): v is string => typeof v === 'string';

/** `v` when it is a mapping whose every value passes `each`, else undefined. */
function recordOf<T>(v: unknown, each: (x: unknown) => x is T): Record<string, T> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, T> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!each(x)) return undefined;
    out[k] = x;
  }
  return out;
}
const isStringMap = (v: unknown): v is Record<string, string> => recordOf(v, isString) !== undefined;

/** Picks from an unvalidated file what is well-formed enough to cross-check. */
export function lenient(raw: unknown): CheckInput {
  if (!isRecord(raw)) return {};
  const out: CheckInput = {};
  const providers = recordOf(raw['providers'], isStrings);
  if (providers) out.providers = providers;
  const endpoints = recordOf(raw['endpoints'], isRecord);
  if (endpoints) {
    out.endpoints = Object.fromEntries(
      Object.entries(endpoints).map(([k, v]) => {
        const models = v['models'];
        return [k, isStrings(models) ? { models } : {}];
      }),
    );
  }
  const models = recordOf(raw['models'], isStringMap);
  if (models) out.models = models;
  return out;
}

/** Checks what the schema alone cannot: names that must refer to something, duplicates. */
export function crossCheck(file: CheckInput): string[] {
  if (!file.providers) return [];
  const endpoints = file.endpoints ?? {};
  const problems: string[] = [];
  const isKnown = (name: string) => name in endpoints || name in KNOWN_PROVIDERS;
  const knownList = Object.keys(KNOWN_PROVIDERS).join(', ');
  const tiers = Object.entries(file.providers);
  if (tiers.length === 0) problems.push('providers: at least one tier is required, e.g. primary: [openai]');
  const seen = new Map<string, string>();
  for (const [tier, names] of tiers) {
    if (names.length === 0) problems.push(`providers.${tier}: a tier needs at least one provider`);
    names.forEach((name, i) => {
      if (!isKnown(name)) {
        problems.push(
          `providers.${tier}[${i}]: unknown provider "${name}" (not one of ${knownList}, and no entry under endpoints)`,
        );
      } else if (seen.has(name)) {
        problems.push(`providers.${tier}[${i}]: "${name}" is already in tier ${seen.get(name)}`);
      } else seen.set(name, tier);
    });
  }
  for (const name of Object.keys(file.weights ?? {})) {
    if (!isKnown(name)) problems.push(`failover.weights.${name}: unknown provider "${name}"`);
  }
  for (const [alias, map] of Object.entries(file.models ?? {})) {
    for (const provider of Object.keys(map)) {
      if (!isKnown(provider)) problems.push(`models.${alias}.${provider}: unknown provider "${provider}"`);
    }
  }
  const aliases = resolveModels(endpoints, file.models ?? {});
  const offered = Object.values(endpoints).flatMap((e) => e.models ?? []);
  const dm = file.default_model;
  if (dm !== undefined && !(dm in aliases) && !offered.includes(dm) && !Object.values(aliases).some((m) => Object.values(m).includes(dm))) {
    problems.push(`default_model: "${dm}" is neither an alias under models nor a model any provider offers`);
  }
  if (file.services) problems.push(...checkAddresses(file.services), ...checkDial(file.services));
  if (file.services && (file.keyCount ?? 0) === 0) {
    const loopback = (host: string) => /^127\./.test(host) || host === '::1' || host === 'localhost';
    for (const which of ['grpc', 'http'] as const) {
      const a = file.services.router[which];
      if (!loopback(a.host)) {
        problems.push(
          `services.router.${which}: ${a.host} is not a loopback address and auth.keys is empty; add client keys (make one with: npx ultra hash-key) or listen on 127.0.0.1`,
        );
      }
    }
  }
  problems.push(...checkResilience(file, new Set(tiers.flatMap(([, names]) => names))));
  return problems;
}

function checkAddresses(s: ConfigFile['services']): string[] {
  const problems: string[] = [];
  const addresses = new Map<string, string>();
  for (const [path, a] of [
    ['services.router.grpc', s.router.grpc],
    ['services.router.http', s.router.http],
    ['services.provider_agent.address', s.provider_agent.address],
    ['services.cache.address', s.cache.address],
    ['services.health.address', s.health.address],
    ['services.simulator.address', s.simulator.address],
  ] as const) {
    const key = `${a.host}:${a.port}`;
    if (a.port !== 0 && addresses.has(key)) problems.push(`${path}: ${key} is already used by ${addresses.get(key)}`);
    addresses.set(key, path);
  }
  return problems;
}

/** The built-in `chat` alias for the action plan's providers, under the file's own aliases. */
export function resolveModels(
  endpoints: Readonly<Record<string, unknown>>,
  models: Readonly<Record<string, Record<string, string>>>,
): Record<string, Record<string, string>> {
  const chat: Record<string, string> = {};
  for (const [name, known] of Object.entries(KNOWN_PROVIDERS)) {
    if (!(name in endpoints)) chat[name] = known.chatModel;
  }
  return { chat, ...models };
}
