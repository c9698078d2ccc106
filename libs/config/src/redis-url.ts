/**
 * `REDIS_URL`, parsed once into where Redis is and how to log in. Two forms:
 *
 * - `redis://[[user]:password@]host[:port][/db]` (`rediss://` for TLS): one Redis server,
 *   handed to ioredis as it is.
 * - `redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/MASTER_NAME[/db][?sentinel_username=…&sentinel_password=…]`
 *   (`rediss+sentinel://` for TLS to the Sentinels and to the servers): the master of the
 *   group `MASTER_NAME` that these Sentinels watch, found anew after a failover. Sentinel
 *   ports default to 26379. The credentials before `@` log in to the Redis servers;
 *   `sentinel_password` (and `sentinel_username`) to the Sentinels. The form is the one
 *   redis-py's tools (Redis-Sentinel-Url, Prefect, RedisVL) use.
 *
 * Redis Cluster is refused by name (`redis+cluster://`): see {@link CLUSTER_UNSUPPORTED}.
 * No error message ever holds a password or the whole URL.
 */

/** One Sentinel's address. */
export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

/** Where Redis is, from `REDIS_URL`. */
export type RedisTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly SentinelAddress[];
      /** The master group's name: NAME in the Sentinels' `sentinel monitor NAME …`. */
      readonly masterName: string;
      /** Database number. Default 0. */
      readonly db: number;
      readonly username?: string;
      readonly password?: string;
      readonly sentinelUsername?: string;
      readonly sentinelPassword?: string;
      /** TLS to the Sentinels and to the servers (`rediss+sentinel://`). */
      readonly tls: boolean;
    };

/** Why Ultra does not run on Redis Cluster, said wherever a Cluster is met. */
export const CLUSTER_UNSUPPORTED =
  "Redis Cluster is not supported: the cache's Lua scripts and the queue's (BullMQ) read and write several keys in one call, " +
  'which a Cluster refuses across hash slots (CROSSSLOT), and the cache invalidates replicas through pub/sub on one connection; ' +
  'use one Redis server (redis://) or a Sentinel group (redis+sentinel://HOST:26379/MASTER_NAME), see docs/cache.md';

/** A `REDIS_URL` that cannot be used; the message names the part that is wrong. */
export class RedisUrlError extends Error {
  constructor(
    /** The part that is wrong: `scheme`, `sentinel address 2`, `master name`, `db`, `credentials`, `option x`. */
    readonly part: string,
    problem: string,
  ) {
    super(`${part}: ${problem}`);
    this.name = 'RedisUrlError';
  }
}

export const isRedisUrlError = (e: unknown): e is RedisUrlError => e instanceof RedisUrlError;

/** Default port of a Sentinel. */
export const SENTINEL_PORT = 26379;

const SCHEMES = 'redis://, rediss://, redis+sentinel:// or rediss+sentinel://';
const SENTINEL_OPTIONS = new Set(['sentinel_username', 'sentinel_password']);

/** Parses `REDIS_URL`. Throws {@link RedisUrlError}. */
export function parseRedisUrl(url: string): RedisTarget {
  const sep = url.indexOf('://');
  const scheme = sep < 0 ? '' : url.slice(0, sep).toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return standalone(url);
  if (scheme === 'redis+sentinel' || scheme === 'rediss+sentinel') return sentinel(url.slice(sep + 3), scheme === 'rediss+sentinel');
  if (/^(redis|rediss)[+-]cluster$/.test(scheme)) throw new RedisUrlError('scheme', CLUSTER_UNSUPPORTED);
  // The scheme is echoed only when it looks like one (a bare password must not be).
  const shown = /^[a-z][a-z0-9+.-]{0,20}$/.test(scheme) ? `"${scheme}://"` : 'missing';
  throw new RedisUrlError('scheme', `${shown}; expected ${SCHEMES}`);
}

function standalone(url: string): RedisTarget {
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    // left empty: reported below
  }
  if (host === '') throw new RedisUrlError('address', 'not a URL of the form redis://[[user]:password@]host[:port][/db]');
  return { kind: 'standalone', url };
}

function sentinel(rest: string, tls: boolean): RedisTarget {
  const q = rest.indexOf('?');
  const beforeQuery = q < 0 ? rest : rest.slice(0, q);
  const slash = beforeQuery.indexOf('/');
  const authority = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
  const path = slash < 0 ? '' : beforeQuery.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const credentials = at < 0 ? undefined : userInfo(authority.slice(0, at), 'credentials');
  const sentinels = authority
    .slice(at + 1)
    .split(',')
    .map((text, i) => sentinelAddress(text, i + 1));
  const [name = '', dbText, ...extra] = path.split('/');
  if (name === '') throw new RedisUrlError('master name', 'missing; expected redis+sentinel://HOST[:PORT][,HOST[:PORT]…]/MASTER_NAME[/DB]');
  const masterName = decode(name, 'master name');
  if (extra.length > 0 || (dbText !== undefined && !/^\d{1,5}$/.test(dbText))) {
    throw new RedisUrlError('db', `"${path.split('/').slice(1).join('/')}" is not a database number (0, 1, …) after the master name`);
  }
  const options = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  for (const key of options.keys()) {
    if (!SENTINEL_OPTIONS.has(key)) throw new RedisUrlError(`option ${JSON.stringify(key.slice(0, 40))}`, `unknown; the options are ${[...SENTINEL_OPTIONS].join(', ')}`);
  }
  const sentinelUsername = options.get('sentinel_username') ?? undefined;
  const sentinelPassword = options.get('sentinel_password') ?? undefined;
  return {
    kind: 'sentinel',
    sentinels,
    masterName,
    db: dbText === undefined ? 0 : Number(dbText),
    ...(credentials?.username ? { username: credentials.username } : {}),
    ...(credentials?.password !== undefined ? { password: credentials.password } : {}),
    ...(sentinelUsername ? { sentinelUsername } : {}),
    ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
    tls,
  };
}

function userInfo(text: string, part: string): { username: string; password?: string } {
  const colon = text.indexOf(':');
  if (colon < 0) return { username: decode(text, part) };
  return { username: decode(text.slice(0, colon), part), password: decode(text.slice(colon + 1), part) };
}

/** Percent-decodes `text`; the error names the part, never the text (it may be a password). */
function decode(text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisUrlError(part, 'has a malformed percent-escape (write a literal % as %25)');
  }
}

function sentinelAddress(text: string, n: number): SentinelAddress {
  const part = `sentinel address ${n}`;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::(\d+))?$/.exec(text);
  // The text is not echoed: a URL this malformed may have a password where a host should be.
  if (!m) throw new RedisUrlError(part, `${text === '' ? 'empty' : 'not HOST[:PORT] or [IPV6]:PORT'} (Sentinels are separated by commas, the master name follows a /)`);
  const host = m[1] ?? m[2]!;
  const port = m[3] === undefined ? SENTINEL_PORT : Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new RedisUrlError(part, `port ${m[3]} is not from 1 to 65535`);
  return { host, port };
}

/**
 * Where `url` points, for logs and `ultra check`, with no credentials: `Redis at HOST:PORT`
 * or `master group NAME through Sentinels HOST:PORT, …`.
 */
export function describeRedisUrl(url: string): string {
  const t = parseRedisUrl(url);
  if (t.kind === 'sentinel') {
    return `master group ${t.masterName}${t.db ? ` (db ${t.db})` : ''} through Sentinels ${t.sentinels.map((s) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`).join(', ')}${t.tls ? ' over TLS' : ''}`;
  }
  const u = new URL(url);
  return `Redis at ${u.hostname}:${u.port || 6379}${u.protocol === 'rediss:' ? ' over TLS' : ''}`;
}
