import { createClient, createRouterTransport, type ServiceImpl } from '@connectrpc/connect';
import { CacheService } from '@ultra/contracts/cache';
import { ProviderAgentService } from '@ultra/contracts/provider-agent';
import type { UltraConfig } from '@ultra/config';
import { createSeededRandom, ManualClock } from '@ultra/core';
import { createLogger } from '@ultra/runtime';
import { Writable } from 'node:stream';
import { createChatFlow } from '../chat-flow.ts';
import type { FlowDeps } from './context.ts';
import { createModeState } from '../mode-state.ts';
import { createRouting } from '../routing/index.ts';
import { createLinks } from '../links/links.ts';
import { createNearCache } from '../near-cache.ts';

/** A logger that writes nowhere, for tests. */
export const silentLog = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });

/**
 * For the router's flow tests: the chat flow over in-memory cache and agent services
 * (Connect's router transport, so requests and answers go through the real clients), on a
 * manual clock starting at 1,000,000 ms and a seeded random source, with the router's link
 * guards on both clients and the near cache of `cache.near` as start.ts puts them; `mode` is the mode state the flow serves by
 * (set it with `mode.heard`).
 */
export function inMemoryFlow(
  config: UltraConfig,
  services: { cache: Partial<ServiceImpl<typeof CacheService>>; agent: Partial<ServiceImpl<typeof ProviderAgentService>> },
  options: { seed?: number; defer?: FlowDeps['defer'] } = {},
) {
  const clock = new ManualClock(1_000_000);
  const random = createSeededRandom(options.seed ?? 1);
  const routing = createRouting(config, clock, random);
  const links = createLinks({ clock, log: silentLog });
  const mode = createModeState(clock);
  const flow = createChatFlow({
    config,
    cache: createClient(CacheService, createRouterTransport((r) => r.service(CacheService, services.cache), { transport: { interceptors: [links.cache.guard] } })),
    agent: createClient(ProviderAgentService, createRouterTransport((r) => r.service(ProviderAgentService, services.agent), { transport: { interceptors: [links.agent.guard] } })),
    ...routing,
    mode,
    clock,
    random,
    log: silentLog,
    near: createNearCache(config.cache.near, clock),
    ...(options.defer ? { defer: options.defer } : {}),
  });
  return { flow, clock, routing, mode };
}
