import type { Entry } from './entry.ts';
import { scopeKey } from './scope.ts';

/** What an invalidation removes: one key, every key with a prefix, or every entry with a tag — all within one namespace. */
export interface Target {
  readonly kind: 'key' | 'prefix' | 'tag';
  /** Stored namespace (`_` for the default). */
  readonly namespace: string;
  readonly value: string;
  /** For a key: the write that replaced it (absent when it was deleted). */
  readonly writeId?: string;
}

/** Whether the entry at `scoped` is one `target` removes. */
export function matches(target: Target, scoped: string, entry: Entry): boolean {
  switch (target.kind) {
    case 'key':
      return scoped === scopeKey(target.namespace, target.value);
    case 'prefix':
      return scoped.startsWith(scopeKey(target.namespace, target.value));
    case 'tag':
      return scoped.startsWith(`${target.namespace}/`) && entry.tags.includes(target.value);
  }
}

/**
 * A message on the invalidation channel. `epoch` names the Redis data set (a new one after
 * Redis lost its data) and `gen` counts every message published in it, so a replica can
 * tell when it missed some. `released` says a lease on a key was given back; a key
 * message with `writeId` says the key was written (by that write), without it deleted.
 */
export interface BusMessage {
  readonly epoch: string;
  readonly gen: number;
  readonly origin: string;
  readonly kind: Target['kind'] | 'released';
  readonly namespace: string;
  readonly value: string;
  readonly writeId?: string;
}

const KIND_CODES = { key: 'k', prefix: 'p', tag: 't', released: 'r' } as const;
const CODE_KINDS: Record<string, BusMessage['kind']> = { k: 'key', p: 'prefix', t: 'tag', r: 'released' };

/**
 * The body a script publishes after its own `<epoch>|<gen>|` head:
 * `<origin>|<kind>|<namespace>/<value>`, the kind `w=<write id>` for a key written.
 */
export function messageBody(origin: string, kind: BusMessage['kind'], namespace: string, value: string, writeId?: string): string {
  const code = kind === 'key' && writeId !== undefined ? `w=${writeId}` : KIND_CODES[kind];
  return `${origin}|${code}|${scopeKey(namespace, value)}`;
}

/** Parses `<epoch>|<gen>|<origin>|<kind>|<namespace>/<value>`; `undefined` for anything else. */
export function parseMessage(text: string): BusMessage | undefined {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 4; i++) {
    const bar = text.indexOf('|', from);
    if (bar < 0) return undefined;
    parts.push(text.slice(from, bar));
    from = bar + 1;
  }
  const rest = text.slice(from);
  const slash = rest.indexOf('/');
  const code = parts[3]!;
  const written = code.startsWith('w=') ? { writeId: code.slice(2) } : {};
  const kind = code.startsWith('w=') ? 'key' : CODE_KINDS[code];
  const gen = Number(parts[1]);
  if (slash < 0 || !kind || !Number.isSafeInteger(gen)) return undefined;
  return { epoch: parts[0]!, gen, origin: parts[2]!, kind, namespace: rest.slice(0, slash), value: rest.slice(slash + 1), ...written };
}
