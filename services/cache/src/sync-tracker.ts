/**
 * Tells whether this replica may have missed an invalidation. Every message on the
 * channel carries Redis's epoch (a new one when Redis lost its data) and a generation
 * that every publish increments. A message that skips a generation, a new epoch, or a
 * generation at resync that differs from the last one heard all mean "maybe missed".
 */
export interface SyncTracker {
  /** A message arrived: `gap` when one or more were missed before it. */
  heard(epoch: string, gen: number): 'ok' | 'gap';
  /** Redis says where it is now (after (re)subscribing): `gap` when this replica is behind or Redis restarted. */
  resync(epoch: string, gen: number): 'ok' | 'gap';
  readonly epoch: string | undefined;
  readonly gen: number;
}

export function createSyncTracker(): SyncTracker {
  let epoch: string | undefined;
  let gen = 0;
  return {
    heard(e, g) {
      if (epoch === undefined) {
        epoch = e;
        gen = g;
        return 'ok';
      }
      const gap = e !== epoch || g > gen + 1;
      if (e !== epoch) gen = 0;
      epoch = e;
      gen = Math.max(gen, g);
      return gap ? 'gap' : 'ok';
    },
    resync(e, g) {
      const first = epoch === undefined;
      const gap = !first && (e !== epoch || g !== gen);
      epoch = e;
      gen = g;
      return gap ? 'gap' : 'ok';
    },
    get epoch() {
      return epoch;
    },
    get gen() {
      return gen;
    },
  };
}
