import { errors } from './api-error.ts';
import { expectArray, expectObject, field } from './json-fields.ts';
import type { ProxyFields } from './tcp-proxy.ts';

const STRUCT = 'Proxy';

/** Decodes a proxy object over `defaults` (absent fields keep their default). */
export function decodeProxy(body: unknown, defaults: ProxyFields): ProxyFields {
  const obj = expectObject(body, 'toxiproxy.Proxy');
  return {
    name: field(obj, 'name', 'string', STRUCT) ?? defaults.name,
    listen: field(obj, 'listen', 'string', STRUCT) ?? defaults.listen,
    upstream: field(obj, 'upstream', 'string', STRUCT) ?? defaults.upstream,
    enabled: field(obj, 'enabled', 'bool', STRUCT) ?? defaults.enabled,
  };
}

/** Decodes a `POST /proxies` body: `enabled` defaults to true; name and upstream are required. */
export function decodeProxyCreate(body: unknown): ProxyFields {
  const fields = decodeProxy(body, { name: '', listen: '', upstream: '', enabled: true });
  if (fields.name === '') throw errors.missingField.withDetail('name');
  if (fields.upstream === '') throw errors.missingField.withDetail('upstream');
  return fields;
}

/**
 * Decodes a `POST /populate` body, an array of proxies. Every entry is checked before
 * any proxy is touched, as the Go server does; `enabled` defaults to true.
 */
export function decodePopulate(body: unknown): ProxyFields[] {
  const list = expectArray(body, '[]struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }');
  const decoded = list.map((item) => decodeProxy(item, { name: '', listen: '', upstream: '', enabled: true }));
  decoded.forEach((fields, i) => {
    if (fields.name === '') throw errors.missingField.withDetail(`name at proxy ${i + 1}`);
    if (fields.upstream === '') throw errors.missingField.withDetail(`upstream at proxy ${i + 1}`);
  });
  return decoded;
}
