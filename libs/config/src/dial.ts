import { z } from 'zod';
import { describeValue } from './describe.ts';
import { address } from './schema-fields.ts';
import type { Address } from './types.ts';
import type { ConfigFile } from './schema.ts';

/**
 * One place where a service is reached: a fixed `host:port`, or `dns:NAME:PORT` (`dns`
 * true): a name with one address per replica, such as a Kubernetes headless Service,
 * looked up when a connection is made.
 */
export interface DialTarget extends Address {
  readonly dns: boolean;
}

const DNS = /^dns:([A-Za-z0-9.-]+):(\d{1,5})$/;

const entry = z
  .string({ error: (iss) => `expected host:port or dns:NAME:PORT, got ${describeValue(iss.input)}` })
  .transform((text, ctx): DialTarget => {
    if (text.startsWith('dns:')) {
      const match = DNS.exec(text);
      const port = match ? Number(match[2]) : NaN;
      if (!match || port < 1 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a DNS target (write dns:NAME:PORT, e.g. dns:ultra-cache:50071)` });
        return z.NEVER;
      }
      return { host: match[1]!, port, dns: true };
    }
    const parsed = address.safeParse(text);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not an address (write host:port, e.g. cache:50071, or dns:NAME:PORT)` });
      return z.NEVER;
    }
    return { ...parsed.data, dns: false };
  });

/**
 * `services.<service>.dial`: where the other services reach this one, one entry or a
 * list of them (`host:port`, `dns:NAME:PORT`). Unset: the service's listen address.
 */
export const dialSchema = z
  .preprocess(
    (v) => (typeof v === 'string' ? [v] : v),
    z.array(entry, { error: (iss) => `expected host:port, dns:NAME:PORT or a list of them, got ${describeValue(iss.input)}` }).refine((l) => l.length > 0, 'needs at least one address (an empty list dials nothing)'),
  )
  .optional();

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** True for an address that only a listener can use (`0.0.0.0`, `::`): dialling it reaches this machine, not the service. */
export const isWildcard = (host: string): boolean => WILDCARD.has(host);

/**
 * The dial list of a service: the file's `dial`, else its listen address, with a wildcard
 * listen host (`0.0.0.0`, `::`) turned into this machine's loopback, which is what
 * dialling it means anyway, said plainly.
 */
export function resolveDial(dial: readonly DialTarget[] | undefined, listen: Address): readonly DialTarget[] {
  if (dial) return dial;
  const host = listen.host === '::' ? '::1' : isWildcard(listen.host) ? '127.0.0.1' : listen.host;
  return [{ host, port: listen.port, dns: false }];
}

/** `host:port` or `dns:NAME:PORT`, in config's spelling. */
export function formatDial(t: DialTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.dns ? 'dns:' : ''}${host}:${t.port}`;
}

/**
 * Problems with the dial lists: an entry that names a wildcard address (`0.0.0.0`
 * dials the caller's own machine, as the compose stack once did).
 */
export function checkDial(services: ConfigFile['services']): string[] {
  const problems: string[] = [];
  for (const [service, s] of Object.entries(services)) {
    if (typeof s !== 'object' || !('dial' in s)) continue;
    (s.dial ?? []).forEach((t, i) => {
      if (isWildcard(t.host)) {
        problems.push(`services.${service}.dial[${i}]: ${formatDial(t)} is a listen-only address; name where the others reach ${service} (e.g. ${service.replace('_', '-')}:${t.port})`);
      }
    });
  }
  return problems;
}

interface Listening {
  readonly providerAgent: Address;
  readonly cache: Address;
  readonly health: Address;
  readonly dial: Readonly<Record<'router' | 'providerAgent' | 'cache' | 'health', readonly DialTarget[]>>;
}

/** For `ultra check`: each internal service's listen address and where the others dial it. */
export function describeDial(s: Listening): string[] {
  const at = (a: Address) => `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
  const dial = (list: readonly DialTarget[]) => list.map(formatDial).join(', ');
  return [
    `provider-agent: listens ${at(s.providerAgent)}, dialled at ${dial(s.dial.providerAgent)}`,
    `cache:          listens ${at(s.cache)}, dialled at ${dial(s.dial.cache)}`,
    `health:         listens ${at(s.health)}, dialled at ${dial(s.dial.health)}`,
    `router dialled at ${dial(s.dial.router)} (health watches it there)`,
  ];
}
