import { describe, expect, it } from 'vitest';
import { isConfigError } from './config-error.ts';
import { DEFAULT_CONFIG_YAML } from './default-config.ts';
import { parseConfig } from './load.ts';
import { CLUSTER_UNSUPPORTED, describeRedisUrl, parseRedisUrl, type RedisTarget } from './redis-url.ts';

const problemOf = (url: string): string => {
  try {
    parseRedisUrl(url);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${url} parsed`);
};

describe('parseRedisUrl', () => {
  it('hands redis:// and rediss:// to ioredis as they are', () => {
    expect(parseRedisUrl('redis://:pw@10.0.0.1:6380/2')).toEqual({ kind: 'standalone', url: 'redis://:pw@10.0.0.1:6380/2' });
    expect(parseRedisUrl('rediss://cache.example:6379').kind).toBe('standalone');
  });

  it('reads the Sentinels, the master name, the db and both sets of credentials', () => {
    const t = parseRedisUrl('redis+sentinel://ultra:p%40ss@s1,s2:26380,[::1]:26381/mymaster/3?sentinel_password=sp&sentinel_username=watch');
    expect(t).toEqual<RedisTarget>({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'mymaster',
      db: 3,
      username: 'ultra',
      password: 'p@ss',
      sentinelUsername: 'watch',
      sentinelPassword: 'sp',
      tls: false,
    });
  });

  it('takes a password with no user, no credentials at all, and TLS by scheme', () => {
    expect(parseRedisUrl('redis+sentinel://:secret@s1/m')).toMatchObject({ password: 'secret', db: 0 });
    expect(parseRedisUrl('redis+sentinel://s1/m')).not.toHaveProperty('password');
    expect(parseRedisUrl('rediss+sentinel://s1:26379/m')).toMatchObject({ tls: true });
  });

  it('names the part that is wrong', () => {
    expect(problemOf('redis+sentinel://s1:26379')).toMatch(/^master name: missing/);
    expect(problemOf('redis+sentinel://s1:26379,,s2/m')).toMatch(/^sentinel address 2: empty/);
    expect(problemOf('redis+sentinel://s1:99999/m')).toMatch(/^sentinel address 1: port 99999 is not from 1 to 65535/);
    expect(problemOf('redis+sentinel://s1/m/x')).toMatch(/^db: "x" is not a database number/);
    expect(problemOf('redis+sentinel://s1/m?sentinelPassword=x')).toMatch(/^option "sentinelPassword": unknown; the options are sentinel_username, sentinel_password/);
    expect(problemOf('memcached://h:11211')).toMatch(/^scheme: "memcached:\/\/"; expected redis:\/\//);
    expect(problemOf('redis://')).toMatch(/^address: not a URL/);
  });

  it('refuses Redis Cluster by name, saying why', () => {
    expect(problemOf('redis+cluster://n1:7000,n2:7000')).toBe(`scheme: ${CLUSTER_UNSUPPORTED}`);
    expect(CLUSTER_UNSUPPORTED).toMatch(/CROSSSLOT/);
    expect(CLUSTER_UNSUPPORTED).toMatch(/pub\/sub/);
  });

  it('never puts a password in an error', () => {
    for (const url of [
      'redis+sentinel://u:hunter2@s1:26379',
      'redis+sentinel://u:hunter2%zz@s1/m',
      'redis+sentinel://:hunter2,s1/m',
      'redis+sentinel://s1:hunter2/m',
      'redis+sentinel://s1/m?sentinel_password=hunter2&bad=1',
      'hunter2',
      'redis://:hunter2@',
    ]) {
      expect(problemOf(url)).not.toContain('hunter2');
    }
  });
});

describe('describeRedisUrl', () => {
  it('says where, never who', () => {
    expect(describeRedisUrl('redis://:pw@10.0.0.1:6380/2')).toBe('Redis at 10.0.0.1:6380');
    expect(describeRedisUrl('rediss://cache.example')).toBe('Redis at cache.example:6379 over TLS');
    expect(describeRedisUrl('redis+sentinel://u:pw@s1,[::1]:26380/ultra/1?sentinel_password=sp')).toBe('master group ultra (db 1) through Sentinels s1:26379, [::1]:26380');
  });
});

describe('REDIS_URL in the config', () => {
  it('stops the start with a REDIS_URL problem, password left out', () => {
    let caught: unknown;
    try {
      parseConfig(DEFAULT_CONFIG_YAML, 'ultra.yaml', { REDIS_URL: 'redis+sentinel://:hunter2@s1:26379/' });
    } catch (e) {
      caught = e;
    }
    expect(isConfigError(caught)).toBe(true);
    if (!isConfigError(caught)) return;
    expect(caught.problems).toEqual([expect.stringMatching(/^REDIS_URL: master name: missing/)]);
    expect(caught.message).not.toContain('hunter2');
  });

  it('keeps a Sentinel URL as the secret it is', () => {
    const config = parseConfig(DEFAULT_CONFIG_YAML, 'ultra.yaml', { REDIS_URL: 'redis+sentinel://:pw@s1/mymaster' });
    expect(config.cache.redisUrl?.reveal()).toBe('redis+sentinel://:pw@s1/mymaster');
    expect(JSON.stringify(config)).not.toContain(':pw@');
  });
});
