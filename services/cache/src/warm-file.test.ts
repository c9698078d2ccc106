import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { parseWarmText, readWarmFile } from './warm-file.ts';
import { bytes, createTestReplica, text } from './test-replica.ts';

const FILE = `# answers worth having from the first request
{"key": "chat:hello", "value": "Hello!", "ttl": "1h", "tags": ["model:chat"]}
{"key": "chat:bin", "value_base64": "AAEC", "namespace": "acme", "ttl": 60000, "stale": "0ms"}

{"key": "bad-ttl", "value": "x", "ttl": "soon"}
{"key": "both", "value": "x", "value_base64": "AA=="}
not json
`;

describe('warm files', () => {
  it('parse JSON lines, reporting each bad line as file:line', () => {
    const { items, problems } = parseWarmText(FILE, 'warm.jsonl');
    expect(items).toEqual([
      { key: 'chat:hello', namespace: '', value: bytes('Hello!'), ttlMs: 3_600_000n, staleMs: undefined, tags: ['model:chat'] },
      { key: 'chat:bin', namespace: 'acme', value: new Uint8Array([0, 1, 2]), ttlMs: 60_000n, staleMs: 0n, tags: [] },
    ]);
    expect(problems).toEqual([
      'warm.jsonl:5: ttl: "soon" is not a duration (write e.g. 250ms, 30s, 5m, 1h)',
      'warm.jsonl:6: give exactly one of value and value_base64',
      'warm.jsonl:7: not a JSON object',
    ]);
  });

  it('that cannot be read are one problem, not a crash', async () => {
    expect((await readWarmFile('/nonexistent/warm.jsonl')).problems).toEqual(['/nonexistent/warm.jsonl: cannot read it (ENOENT)']);
  });

  it('load through the Warm RPC', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ultra-warm-'));
    writeFileSync(join(dir, 'warm.jsonl'), FILE);
    const { items } = await readWarmFile(join(dir, 'warm.jsonl'));
    const { client } = createTestReplica(new ManualClock(0));
    expect(await client.warm({ entries: items })).toMatchObject({ loaded: 2n, shared: 0n, skipped: 0n });
    expect(text((await client.get({ key: 'chat:hello' })).value)).toBe('Hello!');
    expect((await client.get({ key: 'chat:bin', namespace: 'acme' })).value).toEqual(new Uint8Array([0, 1, 2]));
    expect((await client.stats({})).warmed).toBe(2n);
  });
});
