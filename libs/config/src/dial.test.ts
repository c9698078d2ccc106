import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems-of.ts';
import { DEFAULT_CONFIG_YAML, describeDial, parseConfig } from './index.ts';

const KEY = 'auth: { keys: [{ name: k, hash: "sha256:ddc169e0740b7ea627082e27f930c1bb2da0f837dc44a39fee1378c374c9fd76" }] }\n';

const problems = (yaml: string) => problemsOf(yaml);

describe('services.<service>.dial', () => {
  it('defaults to the listen address', () => {
    const { dial } = parseConfig(DEFAULT_CONFIG_YAML, 'default', {}).services;
    expect(dial.router).toEqual([{ host: '127.0.0.1', port: 50051, dns: false }]);
    expect(dial.providerAgent).toEqual([{ host: '127.0.0.1', port: 50061, dns: false }]);
    expect(dial.cache).toEqual([{ host: '127.0.0.1', port: 50071, dns: false }]);
    expect(dial.health).toEqual([{ host: '127.0.0.1', port: 50081, dns: false }]);
  });

  it('turns a wildcard listen address into loopback, never a dial of 0.0.0.0', () => {
    const yaml = `${DEFAULT_CONFIG_YAML}${KEY}services:\n  router: { grpc: 0.0.0.0:50051, http: 0.0.0.0:8080 }\n  cache: { address: "[::]:50071" }\n`;
    const { dial } = parseConfig(yaml, 'test.yaml', {}).services;
    expect(dial.router).toEqual([{ host: '127.0.0.1', port: 50051, dns: false }]);
    expect(dial.cache).toEqual([{ host: '::1', port: 50071, dns: false }]);
  });

  it('takes one address, a list, and dns:NAME:PORT, apart from where the service listens', () => {
    const yaml = `${DEFAULT_CONFIG_YAML}${KEY}services:
  router: { grpc: 0.0.0.0:50051, http: 0.0.0.0:8080, dial: ultra-router:50051 }
  provider_agent: { address: 0.0.0.0:50061, dial: dns:ultra-provider-agent.ultra.svc.cluster.local:50061 }
  cache: { address: 0.0.0.0:50071, dial: [cache-a:50071, "[fd00::1]:50071"] }
`;
    const s = parseConfig(yaml, 'test.yaml', {}).services;
    expect(s.router.grpc).toEqual({ host: '0.0.0.0', port: 50051 });
    expect(s.dial.router).toEqual([{ host: 'ultra-router', port: 50051, dns: false }]);
    expect(s.dial.providerAgent).toEqual([{ host: 'ultra-provider-agent.ultra.svc.cluster.local', port: 50061, dns: true }]);
    expect(s.dial.cache).toEqual([
      { host: 'cache-a', port: 50071, dns: false },
      { host: 'fd00::1', port: 50071, dns: false },
    ]);
    expect(describeDial(s)).toEqual([
      'provider-agent: listens 0.0.0.0:50061, dialled at dns:ultra-provider-agent.ultra.svc.cluster.local:50061',
      'cache:          listens 0.0.0.0:50071, dialled at cache-a:50071, [fd00::1]:50071',
      'health:         listens 127.0.0.1:50081, dialled at 127.0.0.1:50081',
      'router dialled at ultra-router:50051 (health watches it there)',
    ]);
  });

  it('names each bad entry and where it is', () => {
    expect(
      problems(`${DEFAULT_CONFIG_YAML}services:
  router: { dial: 0.0.0.0:50051 }
  cache: { dial: [cache:50071, "dns:cache"] }
  health: { dial: [] }
  provider_agent: { dial: 50061 }
`),
    ).toEqual([
      'services.provider_agent.dial: expected host:port, dns:NAME:PORT or a list of them, got number 50061',
      'services.cache.dial[1]: "dns:cache" is not a DNS target (write dns:NAME:PORT, e.g. dns:ultra-cache:50071)',
      'services.health.dial: needs at least one address (an empty list dials nothing)',
    ]);
  });

  it('refuses a dial of a listen-only address', () => {
    expect(problems(`${DEFAULT_CONFIG_YAML}services:\n  router: { dial: 0.0.0.0:50051 }\n`)).toEqual([
      'services.router.dial[0]: 0.0.0.0:50051 is a listen-only address; name where the others reach router (e.g. router:50051)',
    ]);
  });
});
