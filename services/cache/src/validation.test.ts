import { Code, ConnectError } from '@connectrpc/connect';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { bytes, createTestReplica } from './test-replica.ts';

async function rejection(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error('expected the call to be rejected');
}

describe('bad input is INVALID_ARGUMENT naming the field and the limit', () => {
  const { client } = createTestReplica(new ManualClock(0), { maxValueBytes: 1024 });
  const cases: [string, () => Promise<unknown>, string][] = [
    ['empty key on Get', () => client.get({ key: '' }), 'key must not be empty'],
    ['empty key on Put', () => client.put({ key: '', value: bytes('v') }), 'key must not be empty'],
    ['oversize key', () => client.get({ key: 'k'.repeat(513) }), 'key is 513 characters long, over the limit of 512'],
    ['oversize value', () => client.put({ key: 'k', value: new Uint8Array(2048) }), 'value is 2048 bytes, over the limit of 1024 bytes'],
    ['TTL of zero', () => client.put({ key: 'k', value: bytes('v'), ttlMs: 0n }), 'ttl_ms must be above 0 (milliseconds), got 0'],
    ['negative TTL', () => client.put({ key: 'k', value: bytes('v'), ttlMs: -5n }), 'ttl_ms must be above 0 (milliseconds), got -5'],
    ['TTL over a year', () => client.put({ key: 'k', value: bytes('v'), ttlMs: 10n ** 12n }), 'ttl_ms is 1000000000000 ms, over the limit of 31536000000 ms (365 days)'],
    ['negative stale window', () => client.put({ key: 'k', value: bytes('v'), staleMs: -1n }), 'stale_ms must be 0 or more (milliseconds), got -1'],
    ['empty tag', () => client.put({ key: 'k', value: bytes('v'), tags: ['model:x', ''] }), 'tags[1] must not be empty'],
    ['too many tags', () => client.put({ key: 'k', value: bytes('v'), tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }), 'tags has 33 tags, over the limit of 32'],
    ['bad namespace', () => client.get({ key: 'k', namespace: '_config' }), 'namespace "_config" is not a namespace'],
    ['no invalidation target', () => client.invalidate({}), 'target must be one of key, prefix or tag'],
    ['empty prefix', () => client.invalidate({ target: { case: 'prefix', value: '' } }), 'prefix must not be empty'],
    ['negative lease wait', () => client.lease({ key: 'k', waitMs: -1n }), 'wait_ms must be above 0 (milliseconds), got -1'],
    ['bad warm entry', () => client.warm({ entries: [{ key: 'a', value: bytes('v') }, { key: 'b', value: bytes('v'), ttlMs: 0n }] }), 'entries[1].ttl_ms must be above 0'],
    ['empty config name', () => client.getConfig({ name: '' }), 'name must not be empty'],
  ];
  it.each(cases)('%s', async (_name, call, message) => {
    const e = await rejection(call());
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toContain(message);
  });

  it('stores nothing from a rejected Warm', async () => {
    expect((await client.get({ key: 'a' })).found).toBe(false);
  });
});
