export { startFaultProxy, defaultFaultProxyOptions, type FaultProxy, type FaultProxyOptions } from './fault-proxy.ts';
export { toxiproxyUrl, type ToxiproxyEndpoint, type ToxiproxyUrlOptions } from './toxiproxy-url.ts';
export { TOXIPROXY_API_VERSION } from './api-handlers.ts';
export { toxicKinds } from './toxic-registry.ts';
export type { Direction } from './toxic-types.ts';
