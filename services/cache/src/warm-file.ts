import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { errnoCode, errorMessage, parseDuration } from '@ultra/core';
import type { PutInput } from './put-input.ts';

/** One entry of a warm file: a Put's fields, durations absent when the line gives none. */
export type WarmItem = Omit<PutInput, 'ttlMs' | 'staleMs' | 'tags'> & { ttlMs?: bigint; staleMs?: bigint; tags: string[] };

const ms = z.union([z.number().int(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return BigInt(v);
  const parsed = parseDuration(v);
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (write e.g. 250ms, 30s, 5m, 1h)` });
    return z.NEVER;
  }
  return BigInt(parsed);
});

const line = z
  .strictObject({
    key: z.string(),
    namespace: z.string().default(''),
    value: z.string().optional(),
    value_base64: z.string().optional(),
    ttl: ms.optional(),
    stale: ms.optional(),
    tags: z.array(z.string()).default([]),
  })
  .refine((l) => (l.value === undefined) !== (l.value_base64 === undefined), { message: 'give exactly one of value and value_base64' });

/**
 * Parses a warm file: one JSON object per line (blank lines and `#` comments skipped):
 * `{"key": "...", "value": "text" | "value_base64": "...", "namespace"?: "...",
 * "ttl"?: "1h" | 3600000, "stale"?: "24h" | ms, "tags"?: ["model:chat"]}`.
 * Bad lines are reported as `file:line: what is wrong` and left out.
 */
export function parseWarmText(text: string, source: string): { items: WarmItem[]; problems: string[] } {
  const items: WarmItem[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const where = `${source}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      problems.push(`${where}: not a JSON object`);
      return;
    }
    const parsed = line.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${where}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
      return;
    }
    const l = parsed.data;
    items.push({
      key: l.key,
      namespace: l.namespace,
      value: l.value !== undefined ? new TextEncoder().encode(l.value) : new Uint8Array(Buffer.from(l.value_base64!, 'base64')),
      ...(l.ttl !== undefined ? { ttlMs: l.ttl } : {}),
      ...(l.stale !== undefined ? { staleMs: l.stale } : {}),
      tags: l.tags,
    });
  });
  return { items, problems };
}

/** Reads and parses a warm file; a file that cannot be read is one problem. */
export async function readWarmFile(path: string): Promise<{ items: WarmItem[]; problems: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { items: [], problems: [`${path}: cannot read it (${errnoCode(e) ?? errorMessage(e)})`] };
  }
  return parseWarmText(text, path);
}
