import { isOneOf } from '@ultra/core';
import { runServices, SERVICE_NAMES, type ServiceEntry, type ServiceName } from '@ultra/runtime';

/** Each service's start function, loaded only when it is to run in this process. */
const STARTERS: Record<ServiceName, () => Promise<ServiceEntry['start']>> = {
  cache: async () => (await import('@ultra/cache-service/start')).startCache,
  'provider-agent': async () => (await import('@ultra/provider-agent/start')).startProviderAgent,
  health: async () => (await import('@ultra/health/start')).startHealth,
  router: async () => (await import('@ultra/router/start')).startRouter,
};

/** The service names in `args`, in start order, or the problem with them. */
export function serviceNames(args: readonly string[]): ServiceName[] | string {
  if (args.length === 0) return `name the services to run (any of: ${SERVICE_NAMES.join(', ')})`;
  const unknown = args.filter((a) => !isOneOf(SERVICE_NAMES, a));
  if (unknown.length > 0) return `unknown service ${unknown.map((u) => `"${u}"`).join(', ')} (expected any of: ${SERVICE_NAMES.join(', ')})`;
  return SERVICE_NAMES.filter((n) => args.includes(n));
}

/**
 * `ultra serve SERVICE...`: runs the named services in this process, each on its own
 * addresses, calling each other in process (what a container runs: one service per pod,
 * or all four). The process lives until SIGTERM or SIGINT drains it (runServices exits).
 */
export async function serve(names: readonly ServiceName[]): Promise<never> {
  const entries = await Promise.all(names.map(async (name) => ({ name, start: await STARTERS[name]() })));
  runServices(entries);
  return new Promise<never>(() => undefined);
}
