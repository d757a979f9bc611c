import { GATEWAY_APIS, type GatewayApiId } from '../../contracts/gateway';
import { findBestMatch, parseRouteTemplate, type RouteTemplate } from '../routing/route-template';

/** The APIs imported from the one OpenAPI file, split by tag (contracts/gateway.ts). */
export const APIS = GATEWAY_APIS.map((api) => ({ name: api.apiId, tag: api.tag, urlSuffix: api.path }));

export type ApiName = GatewayApiId;

export interface GatewayOperation {
  api: ApiName;
  operationId: string;
  method: string;
  /** The path the gateway serves (URL suffix + OpenAPI path). */
  template: RouteTemplate;
  /** The OpenAPI path, appended to the backend URL. */
  backendPath: string;
}

export interface OperationMatch {
  operation: GatewayOperation;
  params: Record<string, string>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
}

export function buildApiCatalog(document: OpenApiDocument): GatewayOperation[] {
  const operations: GatewayOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const tags = operation.tags ?? [];
      const api = APIS.find((a) => tags.includes(a.tag));
      if (!api || !operation.operationId) {
        throw new Error(`OpenAPI operation ${method.toUpperCase()} ${path} needs an operationId and one of the tags ${APIS.map((a) => a.tag).join(', ')}`);
      }
      const servedPath = api.urlSuffix ? `/${api.urlSuffix}${path}` : path;
      operations.push({ api: api.name, operationId: operation.operationId, method: method.toUpperCase(), template: parseRouteTemplate(servedPath), backendPath: path });
    }
  }
  return operations;
}

export function matchOperation(operations: readonly GatewayOperation[], method: string, path: string): OperationMatch | undefined {
  const candidates = findBestMatch(operations, path).filter((c) => c.entry.method === method.toUpperCase());
  const best = candidates[0];
  return best ? { operation: best.entry, params: best.params } : undefined;
}
