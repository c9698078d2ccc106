import { errors, toApiError, type ApiError } from './api-error.ts';
import { createMutex } from './mutex.ts';
import { TcpProxy, proxyAlreadyStarted, type ProxyDeps, type ProxyFields } from './tcp-proxy.ts';

/** What `/populate` did: the proxies it created or kept, and the error that stopped it. */
export interface PopulateResult {
  readonly proxies: TcpProxy[];
  readonly error: ApiError | undefined;
}

/**
 * Every proxy by name, guarding names against duplicates, like the Go
 * `ProxyCollection`.
 */
export class ProxyCollection {
  readonly #proxies = new Map<string, TcpProxy>();
  readonly #lock = createMutex();
  readonly #deps: ProxyDeps;

  constructor(deps: ProxyDeps) {
    this.#deps = deps;
  }

  /** All proxies, in creation order. */
  list(): TcpProxy[] {
    return [...this.#proxies.values()];
  }

  /** The proxy called `name`; a 404 ApiError when there is none. */
  get(name: string): TcpProxy {
    const proxy = this.#proxies.get(name);
    if (!proxy) throw errors.proxyNotFound;
    return proxy;
  }

  /** Creates a proxy (starting it when `enabled`); 409 if the name is taken. */
  add(fields: ProxyFields): Promise<TcpProxy> {
    return this.#lock.run(async () => {
      if (this.#proxies.has(fields.name)) throw errors.proxyAlreadyExists;
      const proxy = new TcpProxy(fields, this.#deps);
      if (fields.enabled) await proxy.start();
      this.#proxies.set(proxy.name, proxy);
      return proxy;
    });
  }

  /**
   * Creates or replaces each proxy in turn: one with the same name, listen address and
   * upstream is kept as it is; one that differs is stopped and replaced. Stops at the
   * first failure and reports what was done so far.
   */
  populate(list: readonly ProxyFields[]): Promise<PopulateResult> {
    return this.#lock.run(async () => {
      const proxies: TcpProxy[] = [];
      for (const fields of list) {
        try {
          proxies.push(await this.#addOrReplace(fields));
        } catch (e) {
          return { proxies, error: toApiError(e) };
        }
      }
      return { proxies, error: undefined };
    });
  }

  /** Stops and deletes proxy `name`; 404 if absent. */
  remove(name: string): Promise<void> {
    return this.#lock.run(async () => {
      const proxy = this.get(name);
      await proxy.stop();
      this.#proxies.delete(name);
    });
  }

  /** `/reset`: starts every stopped proxy and removes every toxic. */
  reset(): Promise<void> {
    return this.#lock.run(async () => {
      for (const proxy of this.#proxies.values()) {
        await proxy.start().catch((e: unknown) => {
          if (e !== proxyAlreadyStarted) throw e;
        });
        await proxy.toxics.reset();
      }
    });
  }

  /** Stops and deletes every proxy (shutdown). */
  clear(): Promise<void> {
    return this.#lock.run(async () => {
      await Promise.all(this.list().map((p) => p.stop()));
      this.#proxies.clear();
    });
  }

  async #addOrReplace(fields: ProxyFields): Promise<TcpProxy> {
    const existing = this.#proxies.get(fields.name);
    if (existing) {
      if (!existing.differs(fields)) return existing;
      await existing.stop();
    }
    const proxy = new TcpProxy(fields, this.#deps);
    if (fields.enabled) await proxy.start();
    this.#proxies.set(proxy.name, proxy);
    return proxy;
  }
}
