import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientKey } from '@ultra/config';

/** SHA-256 of a client key, in config's form (`sha256:<hex>`). */
export function hashKey(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Reads the key from `authorization: Bearer <key>` (what the OpenAI SDKs send). */
export function bearerOf(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The client keys a router accepts. A presented key is hashed, and its hash compared with
 * every stored hash in constant time, so neither the key nor its position leaks by timing.
 */
export function createKeyStore(keys: readonly ClientKey[]) {
  return {
    /** True when keys are configured (the router is not open). */
    enabled: keys.length > 0,
    authenticate(presented: string | undefined): ClientKey | undefined {
      if (presented === undefined || presented.length > 512) return undefined;
      const digest = createHash('sha256').update(presented).digest();
      let found: ClientKey | undefined;
      for (const k of keys) {
        if (timingSafeEqual(digest, k.hash) && !found) found = k;
      }
      return found;
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;
