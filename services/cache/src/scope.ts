/**
 * Tenant namespaces. Every entry lives under a namespace: the scoped key is
 * `<namespace>/<key>`. A client's namespace starts with a letter or digit, so the names
 * starting with `_` are the service's own: `_` is the default namespace (a request with
 * no namespace) and `_config` holds the shared runtime configuration.
 */
export const DEFAULT_NAMESPACE = '_';
export const CONFIG_NAMESPACE = '_config';

/** The names a client may give a namespace (empty means the default one). */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The namespace a request names, in its stored form (`_` for none). */
export function namespaceOf(requested: string): string {
  return requested === '' ? DEFAULT_NAMESPACE : requested;
}

/** `<namespace>/<key>`: the key the local replica and Redis hold the entry under. */
export function scopeKey(namespace: string, key: string): string {
  return `${namespace}/${key}`;
}

/** Splits a scoped key back into its namespace and key. */
export function unscope(scoped: string): { namespace: string; key: string } {
  const slash = scoped.indexOf('/');
  return { namespace: scoped.slice(0, slash), key: scoped.slice(slash + 1) };
}
