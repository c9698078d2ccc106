import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems-of.ts';
import { DEFAULT_CONFIG_YAML, loadConfig, parseConfig } from './index.ts';

const ACTION_PLAN = `providers:
  primary:
    - openai
    - anthropic
  secondary:
    - google
    - cohere
health_check:
  interval: 30s
  timeout: 5s
  threshold: 3
failover:
  strategy: round-robin
  sticky_sessions: true
  cooldown: 300s
`;

const problems = (yaml: string) => problemsOf(yaml);

describe('the action plan block', () => {
  it('loads as it is and means what it says', () => {
    const config = parseConfig(ACTION_PLAN, 'plan.yaml', {});
    expect(config.tiers).toEqual([
      { name: 'primary', providers: ['openai', 'anthropic'] },
      { name: 'secondary', providers: ['google', 'cohere'] },
    ]);
    expect(config.healthCheck).toEqual({ intervalMs: 30_000, timeoutMs: 5_000, threshold: 3 });
    expect(config.failover).toMatchObject({ strategy: 'round-robin', stickySessions: true, cooldownMs: 300_000 });
    expect(config.providers['google']?.type).toBe('gemini');
    expect(config.models['chat']).toMatchObject({ openai: 'gpt-4o-mini', cohere: 'command-r' });
  });

  it('runs the services in one process (topology: single) unless told split', () => {
    expect(parseConfig(ACTION_PLAN, 'plan.yaml', {}).topology).toBe('single');
    expect(parseConfig(`${ACTION_PLAN}topology: split\n`, 'plan.yaml', {}).topology).toBe('split');
    expect(problems(`${ACTION_PLAN}topology: cluster\n`)).toEqual(['topology: "cluster" is not one of single, split']);
  });

  it('is the built-in default', () => {
    expect(DEFAULT_CONFIG_YAML).toBe(ACTION_PLAN);
    const config = loadConfig({ env: {} });
    expect(config.source).toBe('built-in default');
    expect(config.services.router.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.services.router.grpc).toEqual({ host: '127.0.0.1', port: 50051 });
  });

  it("gives the cache's Redis its documented defaults, which the cache takes as they are", () => {
    const { cache } = parseConfig(ACTION_PLAN, 'plan.yaml', {});
    expect(cache.keyPrefix).toBe('ultra:cache:');
    expect(cache.redis).toEqual({ timeoutMs: 100, breakerFailures: 3, breakerOpenMs: 2_000 });
  });

  it('simulates every keyed provider when no key is set, and none once one is', () => {
    const none = parseConfig(ACTION_PLAN, 'plan.yaml', {});
    expect(Object.values(none.providers).every((p) => p.simulated)).toBe(true);
    expect(none.providers['anthropic']?.baseUrl).toBe('http://127.0.0.1:50091/anthropic');
    const one = parseConfig(ACTION_PLAN, 'plan.yaml', { OPENAI_API_KEY: 'sk-test-key' });
    expect(one.providers['openai']).toMatchObject({ simulated: false, baseUrl: 'https://api.openai.com/v1' });
    expect(one.providers['cohere']).toMatchObject({ simulated: false, unavailableReason: 'COHERE_API_KEY is not set' });
  });

  it('never shows a key in a dump of the config', () => {
    const config = parseConfig(ACTION_PLAN, 'plan.yaml', { OPENAI_API_KEY: 'sk-test-key', REDIS_URL: 'redis://:pw@h:1' });
    expect(config.providers['openai']?.apiKey?.reveal()).toBe('sk-test-key');
    const dumps = [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.providers['openai']?.apiKey)];
    for (const dump of dumps) {
      expect(dump).not.toContain('sk-test-key');
      expect(dump).not.toContain(':pw@');
    }
  });

  it('is frozen', () => {
    const config = parseConfig(ACTION_PLAN, 'plan.yaml', {});
    expect(Object.isFrozen(config.failover)).toBe(true);
    expect(Object.isFrozen(config.tiers[0]?.providers)).toBe(true);
  });
});

describe('a bad file names every problem as path: what is wrong', () => {
  it('unknown key', () => {
    expect(problems(`${ACTION_PLAN}  stickiness: true\n`)).toEqual([
      'failover.stickiness: unknown key (expected one of: strategy, sticky_sessions, cooldown, max_attempts, max_retry_wait, default_timeout, cooldown_ramp, weights, explore, panic_threshold, retry_budget, outlier_ejection, hedging, coalesce, first_token_timeout, idle_timeout, stream_resume)',
    ]);
  });

  it('unknown key under a record, a default and a nested section, with the keys known there', () => {
    expect(problems(`${ACTION_PLAN}retry:\n  budget:\n    bogus: 1\n`)).toEqual([
      'retry.budget.bogus: unknown key (expected one of: max_tokens, token_ratio)',
    ]);
    expect(problems(`${ACTION_PLAN}services:\n  router:\n    bogus: 1\n`)).toEqual([
      'services.router.bogus: unknown key (expected one of: grpc, http, metrics, dial)',
    ]);
  });

  it('wrong type', () => {
    expect(problems(ACTION_PLAN.replace('threshold: 3', 'threshold: three'))).toEqual([
      'health_check.threshold: expected a number, got string "three"',
    ]);
    expect(problems(ACTION_PLAN.replace('sticky_sessions: true', 'sticky_sessions: 1'))).toEqual([
      'failover.sticky_sessions: expected true or false, got number 1',
    ]);
  });

  it('bad duration', () => {
    expect(problems(ACTION_PLAN.replace('cooldown: 300s', 'cooldown: 5 minutes'))).toEqual([
      'failover.cooldown: "5 minutes" is not a duration (write e.g. 250ms, 30s, 5m, 1h)',
    ]);
    expect(problems(ACTION_PLAN.replace('interval: 30s', 'interval: 30'))).toEqual([
      'health_check.interval: expected a duration like 250ms, 30s or 5m, got number 30',
    ]);
  });

  it('a flap-damping ceiling under the recovery run', () => {
    expect(problems(`${ACTION_PLAN}modes: { recover_after: 5, max_recover_after: 4 }\n`)).toEqual([
      'modes.max_recover_after: 4 is under recover_after (5): a recovery could never need that few checks',
    ]);
    expect(parseConfig(`${ACTION_PLAN}modes: { recover_after: 5, max_recover_after: 5 }\n`, 'plan.yaml', {}).modes).toMatchObject({ recoverAfter: 5, maxRecoverAfter: 5 });
  });

  it('a heap growth that V8 cannot take', () => {
    expect(parseConfig(ACTION_PLAN, 'plan.yaml', {}).services.heapGrowth).toBe(1.5);
    expect(parseConfig(`${ACTION_PLAN}services: { heap_growth: 0 }\n`, 'plan.yaml', {}).services.heapGrowth).toBe(0);
    const hint = 'must be 0 (V8 chooses) or a ratio over 1 and at most 4, e.g. 1.5';
    expect(problems(`${ACTION_PLAN}services: { heap_growth: 1 }\n`)).toEqual([`services.heap_growth: ${hint}`]);
    expect(problems(`${ACTION_PLAN}services: { heap_growth: 8 }\n`)).toEqual([`services.heap_growth: ${hint}`]);
    expect(problems(`${ACTION_PLAN}services: { heap_growth: lots }\n`)).toEqual(['services.heap_growth: expected a number, got string "lots"']);
  });

  it('unknown provider', () => {
    expect(problems(ACTION_PLAN.replace('- cohere', '- mistral'))).toEqual([
      'providers.secondary[1]: unknown provider "mistral" (not one of openai, anthropic, google, cohere, and no entry under endpoints)',
    ]);
  });

  it('empty tiers', () => {
    expect(problems('providers:\n  primary: []\n')).toEqual(['providers.primary: a tier needs at least one provider']);
    expect(problems('providers: {}\n')).toEqual(['providers: at least one tier is required, e.g. primary: [openai]']);
    expect(problems('health_check:\n  interval: 1s\n')).toEqual(['providers: is required']);
  });

  it('lists every problem at once, schema and names together', () => {
    const yaml = ACTION_PLAN.replace('threshold: 3', 'threshold: 0').replace('- google', '- gogle').replace('strategy: round-robin', 'strategy: fastest');
    expect(problems(yaml)).toEqual([
      'health_check.threshold: must be at least 1, got number 0',
      'failover.strategy: "fastest" is not one of round-robin, weighted, least-outstanding, latency, random',
      'providers.secondary[0]: unknown provider "gogle" (not one of openai, anthropic, google, cohere, and no entry under endpoints)',
    ]);
  });

  it('a provider in two tiers, a bad address, a default model nobody offers', () => {
    expect(problems('providers:\n  a: [openai]\n  b: [openai]\n')).toEqual(['providers.b[0]: "openai" is already in tier a']);
    expect(problems('providers:\n  a: [openai]\nservices:\n  cache:\n    address: localhost:99999\n')).toEqual([
      'services.cache.address: "localhost:99999" is not an address (write host:port, e.g. 127.0.0.1:50051)',
    ]);
    expect(problems('providers:\n  a: [openai]\ndefault_model: gpt-9\n')).toEqual([
      'default_model: "gpt-9" is neither an alias under models nor a model any provider offers',
    ]);
  });

  it('YAML syntax errors name the line', () => {
    expect(problems('providers:\n  primary: [openai\n')).toEqual([
      'line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ultra-config-'));
    expect(() => loadConfig({ file: join(dir, 'nope.yaml'), env: {} })).toThrow(/nope\.yaml: no such file/);
    writeFileSync(join(dir, 'ok.yaml'), ACTION_PLAN);
    expect(loadConfig({ file: undefined, env: { ULTRA_CONFIG: join(dir, 'ok.yaml') } }).source).toBe(join(dir, 'ok.yaml'));
  });
});

describe('an open router', () => {
  it('refuses to listen beyond loopback without client keys', () => {
    expect(problems(`${ACTION_PLAN}services:\n  router: { http: 0.0.0.0:8080 }\n`)).toEqual([
      'services.router.http: 0.0.0.0 is not a loopback address and auth.keys is empty; add client keys (make one with: npx ultra hash-key) or listen on 127.0.0.1',
    ]);
    const withKey = `${ACTION_PLAN}services:\n  router: { http: 0.0.0.0:8080 }\nauth:\n  keys: [{ name: a, hash: "sha256:${'0'.repeat(64)}" }]\n`;
    expect(parseConfig(withKey, 'k.yaml', {}).services.router.http.host).toBe('0.0.0.0');
  });
});

describe('endpoints', () => {
  it('any OpenAI-compatible server by base_url, and its own models', () => {
    const config = parseConfig(
      'providers:\n  p: [local]\nendpoints:\n  local: { type: openai, base_url: "http://127.0.0.1:11434/v1/", models: [llama3.1] }\ndefault_model: llama3.1\n',
      'x.yaml',
      {},
    );
    expect(config.providers['local']).toMatchObject({
      type: 'openai',
      baseUrl: 'http://127.0.0.1:11434/v1',
      models: ['llama3.1'],
      simulated: false,
    });
  });

  it('rejects a bad type and base_url', () => {
    expect(problems('providers:\n  p: [x]\nendpoints:\n  x: { type: mistral, base_url: "ftp://a" }\n')).toEqual([
      'endpoints.x.type: "mistral" is not one of openai, anthropic, gemini, cohere',
      'endpoints.x.base_url: must be an http:// or https:// URL',
    ]);
  });
});

describe('defaults from the libraries that own them', () => {
  it('takes the resilience defaults as @ultra/resilience has them, and every jitter of its one backoff', () => {
    const config = parseConfig('providers:\n  primary: [openai]\nretry: { jitter: equal }\n', 'r.yaml', {});
    expect(config.retry).toMatchObject({ jitter: 'equal', maxAttempts: 3, baseMs: 200, capMs: 5_000, budget: { maxTokens: 10, tokenRatio: 0.1 } });
    expect(config.breaker.failureOutcomes).toContain('RATE_LIMITED');
    expect(config.providers['openai']).toMatchObject({ firstTokenTimeoutMs: 15_000, idleTimeoutMs: 30_000 });
    expect(config.limits).toEqual({ maxRequestBytes: 20 * 1024 * 1024, maxMessages: 1000, maxMessageChars: 1_000_000, maxTokens: 32_768, maxStreamDurationMs: 600_000 });
  });
});
