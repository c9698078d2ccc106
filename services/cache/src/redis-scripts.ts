import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorMessage } from '@ultra/core';

/** A Lua script, run by its SHA-1 (loaded on first use and again after a Redis restart). */
export interface Script {
  readonly lua: string;
  readonly sha: string;
}

const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/** Bumps the generation (creating the epoch if Redis lost it) and publishes `<epoch>|<gen>|<body>`. */
const PUBLISH_FN = `
local function publish(epochKey, genKey, candidate, channel, body)
  local epoch = redis.call('GET', epochKey)
  if not epoch then epoch = candidate; redis.call('SET', epochKey, epoch) end
  local gen = redis.call('INCR', genKey)
  redis.call('PUBLISH', channel, epoch .. '|' .. gen .. '|' .. body)
  return gen
end
`;

/**
 * Stores an entry, registers it for prefix (one sorted set, read lexicographically) and
 * tag (a sorted set per tag, scored by the end of the stale window) invalidation, prunes
 * registrations past their stale window (tags: all; keys: up to 64), releases the
 * lease when `ARGV[9]` is its token, and — unless filling — publishes the key's
 * invalidation. `fill` only writes where no entry exists, and publishes nothing.
 * `replay` (a Put queued while Redis was away) writes only where the entry there, if
 * any, was stored before `ARGV[11]` (the replayed entry's `storedAt`, epoch ms): an older
 * Put never overwrites a newer one.
 * KEYS: entry, key registry, expiry registry, epoch, gen, lease, tag sets...
 * ARGV: value, px (0: no expiry), member, expiry score, now, epoch candidate, channel, body, lease token, put|fill|replay, stored at.
 * Returns 1 when written, 0 when a fill found an entry or a replay a newer one.
 */
export const PUT = script(`${PUBLISH_FN}
local px = tonumber(ARGV[2])
if ARGV[10] == 'fill' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[10] == 'replay' then
  local cur = redis.call('GET', KEYS[1])
  if cur then
    local nl = string.find(cur, '\\n', 1, true)
    local ok, head = pcall(cjson.decode, string.sub(cur, 1, (nl or 1) - 1))
    if ok and type(head) == 'table' and tonumber(head.s) and tonumber(head.s) >= tonumber(ARGV[11]) then return 0 end
  end
end
if px > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', px) else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('ZADD', KEYS[2], 0, ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
for i = 7, #KEYS do
  local new = redis.call('EXISTS', KEYS[i]) == 0
  redis.call('ZADD', KEYS[i], ARGV[4], ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[5])
  if px == 0 then redis.call('PERSIST', KEYS[i])
  elseif new then redis.call('PEXPIRE', KEYS[i], px)
  else
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl >= 0 and ttl < px then redis.call('PEXPIRE', KEYS[i], px) end
  end
end
local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[5], 'LIMIT', 0, 64)
for _, m in ipairs(old) do redis.call('ZREM', KEYS[2], m); redis.call('ZREM', KEYS[3], m) end
if ARGV[9] ~= '' and redis.call('GET', KEYS[6]) == ARGV[9] then redis.call('DEL', KEYS[6]) end
if ARGV[10] ~= 'fill' then publish(KEYS[4], KEYS[5], ARGV[6], ARGV[7], ARGV[8]) end
return 1
`);

/**
 * Deletes one key and publishes its invalidation.
 * KEYS: entry, key registry, expiry registry, epoch, gen. ARGV: member, epoch candidate, channel, body.
 * Returns the number of entries deleted (0 or 1).
 */
export const DELETE_KEY = script(`${PUBLISH_FN}
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
publish(KEYS[4], KEYS[5], ARGV[2], ARGV[3], ARGV[4])
return n
`);

/**
 * Deletes one batch of the entries under a prefix (from the key registry) or with a tag
 * (from the tag's sorted set); the caller repeats until a batch comes back short, then
 * publishes once. Batches keep Redis from blocking on a huge prefix or tag.
 * KEYS: key registry, expiry registry, tag set (any key for a prefix).
 * ARGV: prefix|tag, lex min, lex max, entry key prefix, batch size. Returns {deleted, members seen}.
 */
export const DELETE_BATCH = script(`
local members
if ARGV[1] == 'tag' then members = redis.call('ZRANGE', KEYS[3], 0, tonumber(ARGV[5]) - 1)
else members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], ARGV[3], 'LIMIT', 0, ARGV[5]) end
local n = 0
for _, m in ipairs(members) do
  n = n + redis.call('DEL', ARGV[4] .. m)
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZREM', KEYS[2], m)
  if ARGV[1] == 'tag' then redis.call('ZREM', KEYS[3], m) end
end
return {n, #members}
`);

/** Publishes a message. KEYS: epoch, gen. ARGV: epoch candidate, channel, body. Returns the gen. */
export const PUBLISH = script(`${PUBLISH_FN}
return publish(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
`);

/**
 * One step of a lease: a fresh entry answers at once ({2, entry, 0}); else SET NX PX takes
 * the lease ({1, entry or '', 0}); else it is held ({0, entry or '', ms it still holds}).
 * Atomic, so a value landing between a miss and the attempt cannot grant a second lease.
 * KEYS: entry, lease. ARGV: token, lease ms, now (epoch ms).
 */
export const ACQUIRE = script(`
local v = redis.call('GET', KEYS[1])
if v then
  local nl = string.find(v, '\\n', 1, true)
  if nl then
    local ok, head = pcall(cjson.decode, string.sub(v, 1, nl - 1))
    if ok and type(head) == 'table' and tonumber(head.e) and tonumber(head.e) > tonumber(ARGV[3]) then return {2, v, 0} end
  end
else v = '' end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, v, 0} end
return {0, v, redis.call('PTTL', KEYS[2])}
`);

/**
 * Gives a lease back when the token matches, publishing the release to wake waiters.
 * KEYS: lease, epoch, gen. ARGV: token, epoch candidate, channel, body. Returns 1 or 0.
 */
export const RELEASE = script(`${PUBLISH_FN}
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  publish(KEYS[2], KEYS[3], ARGV[2], ARGV[3], ARGV[4])
  return 1
end
return 0
`);

/** The epoch (created when missing) and the current gen. KEYS: epoch, gen. ARGV: epoch candidate. */
export const SYNC_POINT = script(`
local epoch = redis.call('GET', KEYS[1])
if not epoch then epoch = ARGV[1]; redis.call('SET', KEYS[1], epoch) end
return {epoch, tonumber(redis.call('GET', KEYS[2]) or '0')}
`);

type Arg = string | Buffer | number;

/** Runs a script by SHA, falling back to sending it when Redis does not know it (NOSCRIPT). */
export async function runScript(redis: Redis, s: Script, keys: readonly (string | Buffer)[], args: readonly Arg[], buffers = false): Promise<unknown> {
  const call = (cmd: 'evalsha' | 'eval', body: string) => {
    const argv: Arg[] = [body, keys.length, ...keys, ...args];
    return buffers ? redis.callBuffer(cmd, argv) : redis.call(cmd, argv);
  };
  try {
    return await call('evalsha', s.sha);
  } catch (e) {
    if (!errorMessage(e).startsWith('NOSCRIPT')) throw e;
    return call('eval', s.lua);
  }
}
