import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig, type UltraConfig } from '@ultra/config';
import { repoPath } from '@ultra/testkit';
import { describe, expect, it } from 'vitest';

interface ComposeService {
  image?: string;
  build?: string;
  entrypoint?: string[];
  command?: string[];
  ports?: string[];
  depends_on?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

/** There is no Docker engine here: the compose file and the Dockerfile are checked by reading them. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
  const names = Object.keys(compose.services);
  const config = loadConfig({ file: repoPath('deploy/ultra.compose.yaml'), env: {} });
  const ULTRA = ['router', 'provider-agent', 'cache', 'health'] as const;
  const listenPort = (c: UltraConfig, s: (typeof ULTRA)[number]) =>
    ({ router: c.services.router.grpc, 'provider-agent': c.services.providerAgent, cache: c.services.cache, health: c.services.health })[s].port;
  const dialOf = (c: UltraConfig, s: (typeof ULTRA)[number]) => c.services.dial[s === 'provider-agent' ? 'providerAgent' : s];
  const cli = (args: string[]) => spawnSync(process.execPath, [repoPath('libs/cli/bin/ultra.js'), ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] } });

  it('runs the four services, the simulator, Redis, Jaeger and Toxiproxy', () => {
    expect(names.sort()).toEqual(['cache', 'health', 'jaeger', 'provider-agent', 'provider-sim', 'redis', 'router', 'toxiproxy']);
    expect(compose.services['jaeger']?.ports).toContain('16686:16686');
    expect(compose.services['toxiproxy']?.image).toMatch(/^ghcr\.io\/shopify\/toxiproxy:/);
    for (const name of names) for (const dep of compose.services[name]!.depends_on ?? []) expect(names).toContain(dep);
  });

  it('dials every service by a compose service name that runs it, on its listen port, never 0.0.0.0', () => {
    for (const s of ULTRA) {
      for (const t of dialOf(config, s)) {
        expect(t.host, `${s} dial`).not.toMatch(/^(0\.0\.0\.0|::|127\.)/);
        expect(names, `${s} is dialled at ${t.host}`).toContain(t.host);
        expect(compose.services[t.host]!.command?.slice(0, 2), `${t.host} runs ${s}`).toEqual(['serve', s]);
        expect(t.port, `${s} dialled on the port it listens on`).toBe(listenPort(config, s));
      }
    }
    // What else the containers dial: the simulator and Redis through Toxiproxy, traces to Jaeger.
    const toxiproxy = JSON.parse(readFileSync(repoPath('deploy/toxiproxy.json'), 'utf8')) as { listen: string; upstream: string }[];
    const proxied = toxiproxy.map((p) => `toxiproxy:${p.listen.split(':')[1]}`);
    expect(proxied).toContain(`${config.services.simulator.host}:${config.services.simulator.port}`);
    for (const p of toxiproxy) expect(names).toContain(p.upstream.split(':')[0]);
    expect(toxiproxy.find((p) => p.upstream.startsWith('provider-sim:'))!.upstream).toBe(`provider-sim:${compose.services['provider-sim']!.command!.at(-1)}`);
    for (const s of ULTRA) {
      const env = compose.services[s]!.environment!;
      expect(proxied).toContain(new URL(env['REDIS_URL']!).host);
      expect(names).toContain(new URL(env['OTEL_EXPORTER_OTLP_ENDPOINT']!).hostname);
      expect(env['OTEL_SERVICE_NAME']).toBe(`ultra-${s}`);
    }
  });

  it('mounts a config that loads, with the demo key stored only as its hash, listening on every interface', () => {
    for (const s of ULTRA) expect(compose.services[s]!.volumes).toContain('./deploy/ultra.compose.yaml:/etc/ultra/ultra.yaml:ro');
    expect(config.services.router.http).toEqual({ host: '0.0.0.0', port: 8080 });
    for (const a of [config.services.providerAgent, config.services.cache, config.services.health]) expect(a.host).toBe('0.0.0.0');
    expect(Buffer.from(config.auth.keys[0]!.hash).toString('hex')).toBe(createHash('sha256').update('ultra-compose-demo-key').digest('hex'));
  });

  it('ultra check prints where each service listens and where it is dialled', () => {
    const r = cli(['check', '--config', repoPath('deploy/ultra.compose.yaml')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('provider-agent: listens 0.0.0.0:50061, dialled at provider-agent:50061');
    expect(r.stdout).toContain('cache:          listens 0.0.0.0:50071, dialled at cache:50071');
    expect(r.stdout).toContain('router dialled at router:50051 (health watches it there)');
  });

  describe('the image (Dockerfile)', () => {
    const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const last = stages.at(-1)!;
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(last)![1]!) as string[];
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> };
    const hasServe = cli(['help']).stdout.includes('serve');

    it('is built in stages: compiled JavaScript, production dependencies only, a non-root user', () => {
      expect(stages.length).toBeGreaterThanOrEqual(3);
      expect(dockerfile).toMatch(/RUN npm run build/);
      expect(dockerfile).toMatch(/RUN npm ci --omit=dev --ignore-scripts/);
      // Each workspace's compiled dist/ comes from the build stage, the node_modules from the production-only one.
      expect(last).toMatch(/COPY --from=deps \/app \/app/);
      for (const dir of ['libs', 'services']) expect(last).toContain(`COPY --from=build /app/${dir} /app/${dir}`);
      expect(/^USER (\d+)/m.exec(last)?.[1], 'a numeric, non-root user (runAsNonRoot can check it)').not.toBe('0');
      for (const s of names.filter((n) => compose.services[n]!.build)) expect(compose.services[s]!.image).toBe('ultra:local');
    });

    it('has the entry points the compose file and the Kubernetes manifests name', () => {
      expect(entrypoint).toEqual(['node', 'libs/cli/bin/ultra.js']);
      expect(existsSync(repoPath(entrypoint[1]!))).toBe(true);
      const sim = compose.services['provider-sim']!.entrypoint!;
      expect(sim.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
      expect(existsSync(repoPath(sim[3]!))).toBe(true);
      for (const s of ULTRA) expect(compose.services[s]!.build).toBe('.');
    });

    // `ultra serve` and `npm run build` are issue #19's; until they land these say so instead of failing.
    it.skipIf(!hasServe || !pkg.scripts['build'])('runs ultra serve and builds with npm run build (skipped until both exist: issue #19)', () => {
      // A name it does not know is refused with the list of those it does: every service the compose file serves is there.
      const r = cli(['serve', 'no-such-service']);
      expect(r.status).toBe(2);
      const known = /expected any of: ([^)]*)\)/.exec(r.stderr)?.[1]?.split(', ') ?? [];
      for (const s of ULTRA) expect(known, r.stderr).toContain(compose.services[s]!.command![1]);
    });
  });
});
