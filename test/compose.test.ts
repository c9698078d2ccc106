import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig } from '@ultra/config';
import { repoPath } from '@ultra/testkit';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';

/** There is no Docker engine here: the compose file is validated by reading it. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { image?: string; build?: string; command?: string[]; ports?: string[]; depends_on?: string[]; environment?: Record<string, string>; volumes?: string[] }>;
  };

  it('runs the four services, the simulator, Redis, Jaeger and Toxiproxy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['cache', 'health', 'jaeger', 'provider-agent', 'provider-sim', 'redis', 'router', 'toxiproxy']);
    expect(compose.services['jaeger']?.ports).toContain('16686:16686');
    expect(compose.services['toxiproxy']?.image).toMatch(/^ghcr\.io\/shopify\/toxiproxy:/);
  });

  it('builds every Ultra service from the one Dockerfile, on entry points that exist', () => {
    for (const name of ['cache', 'provider-agent', 'health', 'router', 'provider-sim']) {
      const svc = compose.services[name]!;
      expect(svc.build).toBe('.');
      expect(() => readFileSync(repoPath(svc.command![0]!))).not.toThrow();
      expect(svc.environment?.['OTEL_EXPORTER_OTLP_ENDPOINT']).toBe('http://jaeger:4318');
    }
    for (const name of Object.keys(compose.services)) {
      for (const dep of compose.services[name]!.depends_on ?? []) expect(Object.keys(compose.services)).toContain(dep);
    }
  });

  it('mounts a config that loads, with the demo key stored only as its hash', () => {
    const config = loadConfig({ file: repoPath('deploy/ultra.compose.yaml'), env: {} });
    expect(config.services.router.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(Buffer.from(config.auth.keys[0]!.hash).toString('hex')).toBe(createHash('sha256').update('ultra-compose-demo-key').digest('hex'));
    const toxiproxy = JSON.parse(readFileSync(repoPath('deploy/toxiproxy.json'), 'utf8')) as { listen: string; upstream: string }[];
    expect(toxiproxy.map((p) => p.upstream)).toEqual(['provider-sim:50091', 'redis:6379']);
    expect(config.services.simulator).toEqual({ host: 'toxiproxy', port: 50091 });
  });
});
