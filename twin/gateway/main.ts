import { createRequestLogger, type LoggerOptions } from '../logging/request-logger';
import { runChildService } from '../process/child-protocol';
import { APIS } from './api-catalog';
import { startGateway, type GatewayConfig } from './gateway-server';
import { PRODUCTS, type Subscription } from './subscriptions';

/** What the gateway process is given: the declared API Management configuration, mapped to this machine. */
export interface GatewayProcessConfig extends Omit<GatewayConfig, 'openApi'> {
  /** The declared APIs: id, URL suffix and the OpenAPI document imported for each. */
  apis: { apiId: string; path: string; openApi: Record<string, unknown> }[];
  /** The declared products and the APIs each opens. */
  products: { productId: string; apiIds: string[] }[];
  log: LoggerOptions;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item) => b.includes(item));

/**
 * The gateway serves its catalog (api-catalog.ts, subscriptions.ts: the APIs and products of
 * contracts/gateway.ts); a declaration that differs from it stops start-up, naming the difference.
 * The operations come from the declared OpenAPI imports, merged into one document.
 */
function declaredCatalog(config: GatewayProcessConfig): GatewayConfig['openApi'] {
  for (const api of config.apis) {
    const served = APIS.find((candidate) => candidate.name === api.apiId);
    if (!served) throw new Error(`the program declares API ${api.apiId}, which the gateway does not serve (it serves ${APIS.map((a) => a.name).join(', ')})`);
    if (served.urlSuffix !== api.path) throw new Error(`the program serves API ${api.apiId} under "${api.path}"; the gateway serves it under "${served.urlSuffix}"`);
  }
  if (!sameSet(config.apis.map((api) => api.apiId), APIS.map((api) => api.name))) throw new Error(`the program declares APIs ${config.apis.map((api) => api.apiId).join(', ')}; the gateway serves ${APIS.map((api) => api.name).join(', ')}`);
  for (const product of config.products) {
    const served = PRODUCTS[product.productId];
    if (!served || !sameSet(served, product.apiIds)) throw new Error(`the program's product ${product.productId} opens ${product.apiIds.join(', ')}; the gateway's opens ${served?.join(', ') ?? 'nothing (no such product)'}`);
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const api of config.apis) {
    for (const [path, item] of Object.entries((api.openApi.paths as Record<string, Record<string, unknown>> | undefined) ?? {})) paths[path] = { ...paths[path], ...item };
  }
  return { paths } as GatewayConfig['openApi'];
}

runChildService<GatewayProcessConfig>(async (config) => {
  const logger = createRequestLogger(config.log);
  const gateway = await startGateway({ ...config, openApi: declaredCatalog(config) }, logger);
  return {
    info: { port: gateway.port },
    methods: {
      setNamedValue: (params) => {
        const { name, value } = params as { name: string; value: string };
        gateway.setNamedValue(name, value);
      },
      setSubscriptions: (params) => gateway.setSubscriptions(params as Subscription[]),
    },
    close: () => gateway.close(),
  };
});
