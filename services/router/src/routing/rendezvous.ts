/**
 * Rendezvous (highest random weight) hashing: each session ranks the providers by a hash
 * of (session, provider), the same on every router with no state shared. A session goes
 * to its highest-ranked usable provider; when that one leaves the usable set, the session
 * moves to its next one, and no other session moves (Thaler and Ravishankar, 1998).
 */

/** A well-mixed 32-bit hash of `text` (FNV-1a, then murmur3's finaliser), in the form of a share in [0, 1). */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** The weight of `provider` for `session`: higher first. */
export const rendezvousWeight = (session: string, provider: string): number => unitHash(`${session}\u0000${provider}`);

/** `items` ordered by their provider's weight for `session`, highest first (ties by name). */
export function rendezvousOrder<T>(session: string, items: readonly T[], provider: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, name: provider(item), w: rendezvousWeight(session, provider(item)) }))
    .sort((a, b) => b.w - a.w || (a.name < b.name ? -1 : 1))
    .map((x) => x.item);
}
