/**
 * The chaos stack's config files. Every service reads its own file: it listens on its
 * own address and dials the others at the addresses in its file, so a dialed address
 * that is a fault proxy's listen port puts that proxy on the edge.
 */

/** Where each process listens. */
export interface ListenPorts {
  routerGrpc: number;
  routerHttp: number;
  agent: number;
  cache: number;
  health: number;
  simulator: number;
  redis: number;
}

/** The fault proxies' listen ports, one per edge. */
export interface EdgePorts {
  /** router → agent (the health service dials the agent through it too). */
  agent: number;
  /** router → cache (the health service dials the cache through it too). */
  cache: number;
  /** router → health. */
  health: number;
  /** cache → Redis (and every other Redis client: health's PING). */
  redis: number;
  /** agent → provider, one per provider (all in front of the one simulator). */
  providers: Readonly<Record<string, number>>;
}

/** The simulated providers, their API type and the model the `chat` alias maps to. */
export const CHAOS_PROVIDERS = {
  openai: { type: 'openai', path: '/openai/v1', model: 'gpt-4o-mini' },
  anthropic: { type: 'anthropic', path: '/anthropic', model: 'claude-3-5-haiku-latest' },
  google: { type: 'gemini', path: '/google', model: 'gemini-2.0-flash' },
  cohere: { type: 'cohere', path: '/cohere', model: 'command-r' },
} as const;

export type ChaosProvider = keyof typeof CHAOS_PROVIDERS;
export const PROVIDER_NAMES = Object.keys(CHAOS_PROVIDERS) as ChaosProvider[];

/**
 * Timings of the action plan's config scaled down about 30× so that a fault and its
 * recovery fit in seconds; every other key keeps its default.
 */
export const CHAOS_TUNING = `health_check: { interval: 500ms, timeout: 1s, threshold: 2 }
failover:
  strategy: round-robin
  sticky_sessions: true
  cooldown: 3s
  cooldown_ramp: 2s
  default_timeout: 5s
  first_token_timeout: 3s
  idle_timeout: 3s
  outlier_ejection: { base_ejection: 3s, max_ejection: 15s }
retry: { attempt_timeout: 2s }
modes: { evaluate_every: 250ms, recover_after: 3, router_stale_after: 3s }
shutdown: { grace: 2s }
`;

/**
 * The timeouts users run: the action plan's own `health_check` (30 s / 5 s / 3), the
 * agent's default attempt timeout, the default first-token and idle timeouts, no
 * `default_timeout` below the default (30 s). Only what decides how fast the stack comes
 * back after a fault (cooldowns, ejection, mode hysteresis) stays scaled down as in
 * {@link CHAOS_TUNING}, so a run still fits in a minute.
 */
export const DEFAULTS_TUNING = `health_check: { interval: 30s, timeout: 5s, threshold: 3 }
failover:
  strategy: round-robin
  sticky_sessions: true
  cooldown: 3s
  cooldown_ramp: 2s
  outlier_ejection: { base_ejection: 3s, max_ejection: 15s }
modes: { evaluate_every: 250ms, recover_after: 3, router_stale_after: 3s }
shutdown: { grace: 2s }
`;

type Dial = { agent: number; cache: number; health: number };

function configText(listen: ListenPorts, edges: EdgePorts, dial: Dial, extra: string, tuning: string): string {
  const endpoints = PROVIDER_NAMES.map((name) => {
    const p = CHAOS_PROVIDERS[name];
    return `  ${name}: { type: ${p.type}, base_url: http://127.0.0.1:${edges.providers[name]}${p.path} }`;
  }).join('\n');
  const chat = PROVIDER_NAMES.map((name) => `${name}: ${CHAOS_PROVIDERS[name].model}`).join(', ');
  return `providers:
  primary: [openai, anthropic]
  secondary: [google, cohere]
endpoints:
${endpoints}
models:
  chat: { ${chat} }
simulate: never
${tuning}services:
  router: { grpc: 127.0.0.1:${listen.routerGrpc}, http: 127.0.0.1:${listen.routerHttp} }
  provider_agent: { address: 127.0.0.1:${dial.agent} }
  cache: { address: 127.0.0.1:${dial.cache} }
  health: { address: 127.0.0.1:${dial.health} }
  simulator: { address: 127.0.0.1:${listen.simulator} }
${extra}`;
}

/** One config per service process: each listens on its real port and dials through the proxies. */
export function chaosConfigs(listen: ListenPorts, edges: EdgePorts, extra = '', tuning = CHAOS_TUNING): Record<'router' | 'agent' | 'cache' | 'health', string> {
  return {
    router: configText(listen, edges, { agent: edges.agent, cache: edges.cache, health: edges.health }, extra, tuning),
    agent: configText(listen, edges, { agent: listen.agent, cache: edges.cache, health: edges.health }, extra, tuning),
    cache: configText(listen, edges, { agent: edges.agent, cache: listen.cache, health: edges.health }, extra, tuning),
    health: configText(listen, edges, { agent: edges.agent, cache: edges.cache, health: listen.health }, extra, tuning),
  };
}
