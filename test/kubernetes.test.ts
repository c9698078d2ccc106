import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfig, parseRedisUrl, type Address, type UltraConfig } from '@ultra/config';
import { describe, expect, it } from 'vitest';
import { containersOf, kubectlMissing, render, renderWith, schemaProblems, selects, type K8sObject } from './kubernetes/render.ts';

const missing = kubectlMissing();
const keysPath = join(mkdtempSync(join(tmpdir(), 'ultra-k8s-keys-')), 'keys.yaml');
if (missing) console.warn(`test/kubernetes.test.ts skipped: ${missing}`);

const SERVICES = ['router', 'provider-agent', 'cache', 'health'] as const;
type ServiceName = (typeof SERVICES)[number];

/** What a service listens on (gRPC first), where Prometheus scrapes it, and where it is dialled. */
function addresses(c: UltraConfig, s: ServiceName): { grpc: Address; listen: Address[]; metrics: Address } {
  const svc = c.services;
  switch (s) {
    case 'router':
      return { grpc: svc.router.grpc, listen: [svc.router.grpc, svc.router.http, svc.metrics.router], metrics: svc.metrics.router };
    case 'provider-agent':
      return { grpc: svc.providerAgent, listen: [svc.providerAgent, svc.metrics.providerAgent], metrics: svc.metrics.providerAgent };
    case 'cache':
      return { grpc: svc.cache, listen: [svc.cache, svc.metrics.cache], metrics: svc.metrics.cache };
    case 'health':
      return { grpc: svc.health, listen: [svc.health, svc.metrics.health], metrics: svc.metrics.health };
  }
}
const dialOf = (c: UltraConfig, s: ServiceName) => c.services.dial[s === 'provider-agent' ? 'providerAgent' : s];
/** The services `ultra serve` runs in a Deployment's container named ultra. */
const servedBy = (d: K8sObject): ServiceName[] => {
  const args: string[] = containersOf(d).find((c) => c.name === 'ultra').args;
  return args.slice(1, args.indexOf('--config')) as ServiceName[];
};

const OVERLAYS: [string, () => K8sObject[]][] = [
  ['base', () => render('deploy/kubernetes/base')],
  ['overlays/small', () => render('deploy/kubernetes/overlays/small')],
  ['overlays/production', () => render('deploy/kubernetes/overlays/production')],
  ['overlays/production + components/service-monitor', () => renderWith('deploy/kubernetes/overlays/production', ['deploy/kubernetes/components/service-monitor'])],
];

const SECRET_NAME = /KEY|TOKEN|PASSWORD|SECRET|REDIS_URL/i;
// Provider keys, Redis URLs with a password, PEM keys, and client keys' hashes: none in a ConfigMap.
const SECRET_VALUE = /sk-[A-Za-z0-9]{8}|rediss?(?:\+sentinel)?:\/\/[^\s@]*:[^\s@]+@|-----BEGIN|api_key:\s*\S|password\s*[:=]\s*\S|sha256:[0-9a-f]{64}/i;

describe.skipIf(missing !== undefined)('deploy/kubernetes rendered by kubectl kustomize', () => {
  for (const [name, build] of OVERLAYS) {
    describe(name, () => {
      const objects = missing ? [] : build();
      const of = (kind: string) => objects.filter((o) => o.kind === kind);
      const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
      const ultra = of('Deployment');
      /** The config a pod loads: the ConfigMap's ultra.yaml, with its keys_file read from the Secret mounted for it. */
      const configOf = (d: K8sObject): { config: UltraConfig; path: string } => {
        const volumes = d.spec.template.spec.volumes;
        const mountOf = (volume: string) => `${containersOf(d)[0].volumeMounts.find((m: any) => m.name === volume).mountPath}`;
        const map = of('ConfigMap').find((m) => m.metadata.name === volumes.find((v: any) => v.name === 'config').configMap.name)!;
        const text = map.data!['ultra.yaml']!;
        const keysFile = (parse(text) as { auth?: { keys_file?: string } }).auth?.keys_file;
        expect(keysFile, 'client keys come from the Secret mounted for them').toBe(`${mountOf('client-keys')}/keys.yaml`);
        const secretName = volumes.find((v: any) => v.name === 'client-keys').secret.secretName as string;
        expect(secretName).toMatch(/^ultra-client-keys/);
        const shipped = of('Secret').find((x) => x.metadata.name === secretName);
        const keys = shipped ? Buffer.from(shipped.data!['keys.yaml']!, 'base64').toString() : `- { name: test, hash: "sha256:${'0'.repeat(64)}" }\n`;
        writeFileSync(keysPath, keys);
        return { config: parseConfig(text.replace(keysFile!, keysPath), `${name} ConfigMap ${map.metadata.name}`, {}), path: `${mountOf('config')}/ultra.yaml` };
      };

      it('is valid against the Kubernetes API schema, every object', async () => {
        const problems = (await Promise.all(objects.map(schemaProblems))).flat();
        expect(problems).toEqual([]);
        expect(ultra.length).toBeGreaterThan(0);
      });

      it('gives every container liveness and readiness probes, resources, and no root', () => {
        for (const w of workloads) {
          const pod = w.spec.template.spec;
          expect(pod.securityContext?.runAsNonRoot, `${w.metadata.name} runAsNonRoot`).toBe(true);
          for (const c of pod.containers) {
            const where = `${w.metadata.name}/${c.name}`;
            expect(c.livenessProbe, `${where} liveness`).toBeDefined();
            expect(c.readinessProbe, `${where} readiness`).toBeDefined();
            for (const r of ['cpu', 'memory']) {
              expect(c.resources?.requests?.[r], `${where} requests.${r}`).toBeDefined();
              expect(c.resources?.limits?.[r], `${where} limits.${r}`).toBeDefined();
            }
            expect(c.securityContext, `${where} securityContext`).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
          }
        }
      });

      it('has a PodDisruptionBudget and a topology spread for every workload', () => {
        for (const w of workloads) {
          const labels = w.spec.template.metadata.labels;
          expect(of('PodDisruptionBudget').filter((p) => selects(p.spec.selector.matchLabels, labels)), `${w.metadata.name} PDB`).toHaveLength(1);
          expect(w.spec.template.spec.topologySpreadConstraints?.length, `${w.metadata.name} spread`).toBeGreaterThan(0);
        }
      });

      it('keeps secrets out of every ConfigMap and takes them from Secrets', () => {
        for (const m of of('ConfigMap')) {
          for (const [key, value] of Object.entries(m.data ?? {})) {
            expect(SECRET_NAME.test(key) && !key.startsWith('OTEL_'), `${m.metadata.name}: key ${key}`).toBe(false);
            expect(value, `${m.metadata.name}: ${key}`).not.toMatch(SECRET_VALUE);
          }
        }
        for (const w of workloads) {
          for (const c of containersOf(w)) {
            const fromSecret = new Set<string>();
            for (const e of c.env ?? []) {
              if (e.valueFrom?.secretKeyRef) fromSecret.add(e.name);
              // A Redis URL may be written out when its password is a $(VAR) from a Secret defined before it.
              const ref = typeof e.value === 'string' ? /^rediss?(?:\+sentinel)?:\/\/[^@/]*:\$\((\w+)\)@[^@]*$/.exec(e.value) : null;
              if (e.name === 'REDIS_URL' && ref) expect(fromSecret.has(ref[1]!), `${w.metadata.name}/${c.name} REDIS_URL's $(${ref[1]}) is from a Secret, defined before it`).toBe(true);
              else if (SECRET_NAME.test(e.name)) expect(e.valueFrom?.secretKeyRef, `${w.metadata.name}/${c.name} ${e.name}`).toBeDefined();
            }
          }
        }
        // A shipped Secret (small's demo key) holds client keys by their hashes only.
        for (const secret of of('Secret')) {
          expect(Object.keys(secret.data ?? {})).toEqual(['keys.yaml']);
          const keys = parse(Buffer.from(secret.data!['keys.yaml']!, 'base64').toString()) as { hash: string }[];
          for (const k of keys) expect(k.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
        }
      });

      it('runs ultra serve on a config that loads, with ports, probes and drain matching what the services read', () => {
        for (const d of ultra) {
          const c = containersOf(d).find((x) => x.name === 'ultra');
          const { config, path } = configOf(d);
          expect(c.args.slice(0, 1)).toEqual(['serve']);
          const served = servedBy(d);
          expect(served.length).toBeGreaterThan(0);
          for (const s of served) expect(SERVICES).toContain(s);
          expect(c.args.slice(-2), 'the config path is where the ConfigMap is mounted').toEqual(['--config', path]);
          const ports = (c.ports ?? []).map((p: any) => p.containerPort);
          // The pod's first service is reached from its Service: every port it listens on is
          // declared, on every interface. The others in the same process may keep to loopback.
          const first = addresses(config, served[0]!);
          for (const l of first.listen) {
            expect(ports, `${d.metadata.name}: ${served[0]} listens on ${l.port}`).toContain(l.port);
            expect(l.host, `${d.metadata.name}: ${served[0]} on ${l.port}`).toBe('0.0.0.0');
          }
          for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) expect(c[probe]?.grpc?.port, `${d.metadata.name} ${probe}`).toBe(first.grpc.port);
          expect(d.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(first.metrics.port));
          // Traces keep one service.name per service: set for a pod of one, left to Ultra for several in one process.
          const otelName = c.env?.find((e: any) => e.name === 'OTEL_SERVICE_NAME')?.value;
          expect(otelName, `${d.metadata.name} OTEL_SERVICE_NAME`).toBe(served.length === 1 ? `ultra-${served[0]}` : undefined);
          const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
          expect(d.spec.template.spec.terminationGracePeriodSeconds * 1000, `${d.metadata.name}: grace ≥ preStop + shutdown.grace`).toBeGreaterThanOrEqual(preStop * 1000 + config.shutdown.graceMs);
          expect(d.spec.strategy.rollingUpdate.maxUnavailable, 'a rolling upgrade keeps every replica serving').toBe(0);
        }
      });

      it('dials every service at a Service that reaches its listen port, or in the same pod', () => {
        const services = of('Service');
        for (const d of ultra) {
          const { config } = configOf(d);
          const served = servedBy(d);
          for (const s of SERVICES) {
            for (const t of dialOf(config, s)) {
              expect(t.host, `${s} dial`).not.toMatch(/^(0\.0\.0\.0|::)$/);
              if (served.includes(s) || t.host === '127.0.0.1') {
                expect(served, `${s} is dialled on loopback, so it must run in this pod`).toContain(s);
                continue;
              }
              const svc = services.find((x) => x.metadata.name === t.host);
              expect(svc, `${s} dialled at ${t.host}: no such Service`).toBeDefined();
              expect(svc!.spec.clusterIP === 'None', `${t.host}: dns: needs a headless Service`).toBe(t.dns);
              const target = ultra.find((x) => selects(svc!.spec.selector, x.spec.template.metadata.labels))!;
              expect(servedBy(target), `${t.host} selects pods that run ${s}`).toContain(s);
              const port = svc!.spec.ports.find((p: any) => p.port === t.port);
              const named = containersOf(target)[0].ports.find((p: any) => p.name === port?.targetPort || p.containerPort === port?.targetPort);
              expect(named?.containerPort, `${t.host}:${t.port} reaches ${s}'s gRPC port`).toBe(addresses(configOf(target).config, s).grpc.port);
            }
          }
        }
      });
    });
  }

  it('production scales every service, autoscales, and fences Redis to Ultra', () => {
    const objects = render('deploy/kubernetes/overlays/production');
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['ultra-cache', 'ultra-provider-agent', 'ultra-router']);
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === d.metadata.name);
      // An autoscaled Deployment leaves replicas to its HPA (an apply would reset them), with at least 2.
      if (hpa) expect([d.spec.replicas, hpa.spec.minReplicas >= 2], d.metadata.name).toEqual([undefined, true]);
      else expect(d.spec.replicas, d.metadata.name).toBeGreaterThanOrEqual(2);
    }
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const redis = policies.find((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'redis')!;
    expect(redis.spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/name'])).sort()).toEqual(['redis', 'ultra']);
    // Only the router's serving ports are open to anyone; the internal gRPC ports only to Ultra's pods.
    const internal = policies.find((p) => p.metadata.name === 'ultra-internal')!;
    const grpcRule = internal.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 50061));
    expect(grpcRule.from).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ultra' } } }]);
    expect(objects.find((o) => o.kind === 'Service' && o.metadata.name === 'ultra-router')!.spec.type).toBe('LoadBalancer');
    expect(objects.find((o) => o.kind === 'StatefulSet')!.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['redis', 'sentinel']);
  });

  it('production reaches Redis through its Sentinels: every Ultra pod, the master group they watch', () => {
    const objects = render('deploy/kubernetes/overlays/production');
    const redisSet = objects.find((o) => o.kind === 'StatefulSet')!;
    const sentinel = containersOf(redisSet).find((c) => c.name === 'sentinel');
    const group = /sentinel monitor (\S+) /.exec(sentinel.args.join('\n'))?.[1];
    const port = sentinel.ports.find((p: any) => p.name === 'sentinel').containerPort as number;
    const pods = Array.from({ length: redisSet.spec.replicas as number }, (_, i) => ({ host: `${redisSet.metadata.name}-${i}.${redisSet.spec.serviceName}`, port }));
    const ultra = objects.filter((o) => o.kind === 'Deployment');
    expect(ultra.length).toBe(4);
    for (const d of ultra) {
      const env: any[] = containersOf(d).find((c) => c.name === 'ultra').env;
      const url = env.find((e) => e.name === 'REDIS_URL')?.value as string;
      const target = parseRedisUrl(url.replace('$(REDIS_PASSWORD)', 'x'));
      expect(target, d.metadata.name).toEqual({ kind: 'sentinel', sentinels: pods, masterName: group, db: 0, password: 'x', tls: false });
      // Required, not optional: without the Secret a production pod does not start on memory alone.
      expect(env.find((e) => e.name === 'REDIS_PASSWORD')?.valueFrom, d.metadata.name).toEqual({ secretKeyRef: { name: 'ultra-redis', key: 'password' } });
    }
    // The Redis containers read the same Secret key.
    for (const c of containersOf(redisSet)) expect(c.env.find((e: any) => e.name === 'REDIS_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'ultra-redis', key: 'password' } });
  });
});
