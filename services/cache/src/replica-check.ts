import { lookup as dnsLookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { formatDial, type DialTarget } from '@ultra/config';

/** A cache replica that would run alone, without Redis, beside others: each would keep its own cache. */
export class LoneReplicaError extends Error {
  constructor(readonly detail: string) {
    super(
      `cache: ${detail}, but REDIS_URL is not set: without Redis each cache replica keeps its own entries and never sees the others' writes or invalidations. ` +
        'Set REDIS_URL, or run one cache replica (services.cache.dial naming one address).',
    );
    this.name = 'LoneReplicaError';
  }
}

export const isLoneReplicaError = (e: unknown): e is LoneReplicaError => e instanceof LoneReplicaError;

export interface ReplicaCheckDeps {
  /** Every address of a name; default the system resolver. A name with none (not found) is an empty list. */
  lookup?: (name: string) => Promise<string[]>;
  /** This machine's own addresses; default every interface's. */
  ownAddresses?: () => string[];
}

const systemLookup = async (name: string): Promise<string[]> => {
  try {
    return (await dnsLookup(name, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
};
const systemAddresses = () =>
  Object.values(networkInterfaces())
    .flat()
    .flatMap((i) => (i ? [i.address] : []));

/**
 * Refuses, before a cache without Redis starts, when other replicas are known: a `dial`
 * list of several addresses, or a `dns:` name (a headless Service lists ready pods only,
 * so a starting replica finds the others there, not itself) resolving to an address not
 * this machine's. A single address (or a ClusterIP name) cannot tell one replica from
 * several: that case is not detected (docs/cache.md).
 */
export async function assertAloneWithoutRedis(dial: readonly DialTarget[], deps: ReplicaCheckDeps = {}): Promise<void> {
  if (dial.length > 1) throw new LoneReplicaError(`services.cache.dial names ${dial.length} replicas (${dial.map(formatDial).join(', ')})`);
  const [only] = dial;
  if (!only?.dns) return;
  const own = new Set((deps.ownAddresses ?? systemAddresses)());
  const others = (await (deps.lookup ?? systemLookup)(only.host)).filter((a) => !own.has(a));
  if (others.length > 0) throw new LoneReplicaError(`${formatDial(only)} already has ${others.length} other replica(s) (${others.join(', ')})`);
}
