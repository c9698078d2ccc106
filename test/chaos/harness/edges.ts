import { Toxiproxy, type ICreateToxicBody, type Proxy, type Toxic } from 'toxiproxy-node-client';
import { PROVIDER_NAMES, type ChaosProvider } from './chaos-config.ts';

/** The edges of the stack that carry a fault proxy. */
export type EdgeName = 'router-agent' | 'router-cache' | 'router-health' | 'cache-redis' | `agent-${ChaosProvider}`;

export const EDGE_NAMES: readonly EdgeName[] = [
  'router-agent',
  'router-cache',
  'router-health',
  'cache-redis',
  ...PROVIDER_NAMES.map((p) => `agent-${p}` as const),
];

/** A toxic as the Toxiproxy API takes it; `name` is required so that it can be removed by name. */
export type ToxicSpec = ICreateToxicBody<Record<string, number>> & { name: string };

/**
 * The stack's fault proxies, driven only through the Toxiproxy HTTP API with
 * `toxiproxy-node-client` (ours, or a real Toxiproxy given by `TOXIPROXY_URL`).
 */
export interface Edges {
  readonly client: Toxiproxy;
  /** Disables the proxy: open connections close, new ones are refused (Toxiproxy's `down`). */
  down(edge: EdgeName): Promise<void>;
  /** Enables the proxy again on the same address. */
  up(edge: EdgeName): Promise<void>;
  /** Adds a toxic to the edge; resolves to the function that removes it. */
  toxic(edge: EdgeName, spec: ToxicSpec): Promise<() => Promise<void>>;
  /** Enables every proxy and removes every toxic (`POST /reset`). */
  reset(): Promise<void>;
  /** Deletes every proxy this stack made. */
  removeAll(): Promise<void>;
}

const proxyName = (edge: EdgeName) => `ultra_${edge.replace(/-/g, '_')}`;

/** A proxy's listen port. */
const portOf = (proxy: Proxy) => Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));

/**
 * Creates one proxy per edge on a free port (`freePort()`; another one when that port
 * was taken in the meantime), forwarding to `upstream[edge]`. `listen` tells the ports
 * they got.
 */
export async function createEdges(
  apiUrl: string,
  upstream: Record<EdgeName, number>,
  freePort: () => Promise<number>,
): Promise<Edges & { listen: Record<EdgeName, number> }> {
  const client = new Toxiproxy(apiUrl);
  const proxies = new Map<EdgeName, Proxy>();
  for (const edge of EDGE_NAMES) {
    const name = proxyName(edge);
    // A stale proxy of the same name (left by a crashed run on a shared Toxiproxy) is replaced.
    await client.get(name).then((p) => p.remove(), () => undefined);
    for (let attempt = 1; ; attempt++) {
      try {
        const proxy = await client.createProxy({ name, listen: `127.0.0.1:${await freePort()}`, upstream: `127.0.0.1:${upstream[edge]}` });
        proxies.set(edge, proxy);
        break;
      } catch (e) {
        if (attempt >= 5) throw new Error(`cannot create the ${edge} proxy after ${attempt} attempts: ${(e as Error).message}`);
      }
    }
  }
  const proxyOf = (edge: EdgeName) => proxies.get(edge)!;
  const setEnabled = async (edge: EdgeName, enabled: boolean) => {
    const p = proxyOf(edge);
    await p.update({ enabled, listen: p.listen, upstream: p.upstream });
  };
  return {
    client,
    listen: Object.fromEntries([...proxies].map(([edge, p]) => [edge, portOf(p)])) as Record<EdgeName, number>,
    down: (edge) => setEnabled(edge, false),
    up: (edge) => setEnabled(edge, true),
    async toxic(edge, spec) {
      const toxic: Toxic<Record<string, number>> = await proxyOf(edge).addToxic(spec);
      return () => toxic.remove();
    },
    reset: () => client.reset(),
    async removeAll() {
      for (const p of proxies.values()) await p.remove().catch(() => undefined);
      proxies.clear();
    },
  };
}
