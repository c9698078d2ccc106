import { toApiError } from './api-error.ts';
import type { JsonBody } from './json-fields.ts';
import type { PopulateResult, ProxyCollection } from './proxy-collection.ts';
import { decodePopulate, decodeProxy, decodeProxyCreate } from './proxy-input.ts';
import { toxicToJson } from './toxic-types.ts';

/** The Toxiproxy release whose API this server speaks, reported by `GET /version`. */
export const TOXIPROXY_API_VERSION = '2.12.0';

/** A handler's answer: status, and a JSON value or raw text. */
export interface ApiResponse {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly contentType?: string;
}

/** What a handler gets: path parameters and the (lazily parsed) body. */
export interface ApiRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly body: JsonBody;
}

/** One handler per Toxiproxy endpoint, named as in the Go server's `api.go`. */
export type ApiHandlers = Record<
  | 'version' | 'resetState' | 'proxyIndex' | 'proxyCreate' | 'populate' | 'proxyShow' | 'proxyUpdate'
  | 'proxyDelete' | 'toxicIndex' | 'toxicCreate' | 'toxicShow' | 'toxicUpdate' | 'toxicDelete',
  (req: ApiRequest) => Promise<ApiResponse>
>;

const noContent: ApiResponse = { status: 204 };

/**
 * Creates the endpoint handlers over `proxies`. Errors are thrown as ApiErrors; the
 * server turns them into the Go server's `{"error", "status"}` bodies.
 */
export function createApiHandlers(proxies: ProxyCollection): ApiHandlers {
  const param = (req: ApiRequest, key: string): string => req.params[key] ?? '';
  const proxyOf = (req: ApiRequest) => proxies.get(param(req, 'proxy'));
  return {
    version: async () => ({
      status: 200,
      text: `{"version": "${TOXIPROXY_API_VERSION}"}\n`,
      contentType: 'application/json;charset=utf-8',
    }),
    resetState: async () => {
      await proxies.reset();
      return noContent;
    },
    proxyIndex: async () => ({ status: 200, json: Object.fromEntries(proxies.list().map((p) => [p.name, p])) }),
    proxyCreate: async (req) => ({ status: 201, json: await proxies.add(decodeProxyCreate(req.body.parse())) }),
    populate: async (req) => {
      let result: PopulateResult;
      try {
        result = await proxies.populate(decodePopulate(req.body.parse()));
      } catch (e) {
        result = { proxies: [], error: toApiError(e) };
      }
      const list = result.proxies.length > 0 ? result.proxies : null;
      if (!result.error) return { status: 201, json: { proxies: list } };
      return { status: result.error.status, json: { ...result.error.toJSON(), proxies: list } };
    },
    proxyShow: async (req) => ({ status: 200, json: proxyOf(req) }),
    proxyUpdate: async (req) => {
      const proxy = proxyOf(req);
      await proxy.update(decodeProxy(req.body.parse(), proxy));
      return { status: 200, json: proxy };
    },
    proxyDelete: async (req) => {
      await proxies.remove(param(req, 'proxy'));
      return noContent;
    },
    toxicIndex: async (req) => ({ status: 200, json: proxyOf(req).toxics.list().map(toxicToJson) }),
    toxicCreate: async (req) => ({ status: 200, json: toxicToJson(await proxyOf(req).toxics.add(req.body)) }),
    toxicShow: async (req) => ({ status: 200, json: toxicToJson(proxyOf(req).toxics.get(param(req, 'toxic'))) }),
    toxicUpdate: async (req) => ({
      status: 200,
      json: toxicToJson(await proxyOf(req).toxics.update(param(req, 'toxic'), req.body)),
    }),
    toxicDelete: async (req) => {
      await proxyOf(req).toxics.remove(param(req, 'toxic'));
      return noContent;
    },
  };
}
