/** One cached value and its times, all in epoch milliseconds. */
export interface Entry {
  value: Uint8Array;
  storedAt: number;
  /** Fresh until this moment. */
  expiresAt: number;
  /** Servable as stale (when the caller allows) until this moment. */
  staleUntil: number;
  tags: string[];
}

/** Encodes an entry for Redis: a JSON header line, then the raw value bytes. */
export function encodeEntry(entry: Entry): Buffer {
  const head = JSON.stringify({ s: entry.storedAt, e: entry.expiresAt, x: entry.staleUntil, t: entry.tags });
  return Buffer.concat([Buffer.from(`${head}\n`), entry.value]);
}

/** Decodes what {@link encodeEntry} wrote; `undefined` for anything else. */
export function decodeEntry(buf: Buffer): Entry | undefined {
  const nl = buf.indexOf(10);
  if (nl < 0) return undefined;
  try {
    const head = JSON.parse(buf.subarray(0, nl).toString()) as { s: number; e: number; x: number; t: string[] };
    return { storedAt: head.s, expiresAt: head.e, staleUntil: head.x, tags: head.t, value: new Uint8Array(buf.subarray(nl + 1)) };
  } catch {
    return undefined;
  }
}

/** Bytes an entry takes in the local replica (value plus a fixed overhead). */
export function entrySize(key: string, entry: Entry): number {
  return entry.value.byteLength + key.length * 2 + 64;
}
