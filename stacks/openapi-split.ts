import { readFileSync } from 'node:fs';

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Components API Management's OpenAPI import lists as unsupported (docs/azure-behaviour.md): the split
 * puts them where they are used, so the import never depends on resolving them. Schemas stay shared:
 * APIM keeps those at API scope.
 */
const inlinedComponents = ['responses', 'parameters', 'headers', 'examples', 'requestBodies'];

type OpenApiDocument = Record<string, unknown> & { paths?: Record<string, Record<string, unknown>>; components?: Record<string, unknown> };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function operationTags(operation: unknown): string[] {
  if (!isRecord(operation) || !Array.isArray(operation.tags)) return [];
  return operation.tags.filter((tag): tag is string => typeof tag === 'string');
}

/** `servers` at any level would set the API's backend (APIM takes the first HTTPS one) or is unsupported there. */
function withoutServers(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const { servers: _servers, ...rest } = value;
  return rest;
}

function inlineComponentRefs(node: unknown, components: Record<string, unknown>): unknown {
  if (Array.isArray(node)) return node.map((entry) => inlineComponentRefs(entry, components));
  if (!isRecord(node)) return node;
  if (typeof node.$ref === 'string') {
    const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(node.$ref);
    if (match !== null && inlinedComponents.includes(match[1])) {
      const section = components[match[1]];
      const name = match[2].replace(/~1/g, '/').replace(/~0/g, '~');
      const target = isRecord(section) ? section[name] : undefined;
      if (target === undefined) throw new Error(`the OpenAPI document refers to ${node.$ref}, which it does not define`);
      return inlineComponentRefs(target, components);
    }
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inlineComponentRefs(value, components)]));
}

/**
 * The part of the OpenAPI document whose operations carry `tag`, for one APIM API. Paths with no such
 * operation are dropped; `servers` is dropped so APIM takes the backend from the stack, not from the file;
 * components APIM does not import are inlined.
 */
export function selectOperationsByTag(document: OpenApiDocument, tag: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [route, item] of Object.entries(document.paths ?? {})) {
    const kept: Record<string, unknown> = {};
    let operations = 0;
    for (const [key, value] of Object.entries(item)) {
      if (key === 'servers') continue;
      const isOperation = (httpMethods as readonly string[]).includes(key);
      if (!isOperation) {
        kept[key] = value;
      } else if (operationTags(value).includes(tag)) {
        kept[key] = withoutServers(value);
        operations++;
      }
    }
    if (operations > 0) paths[route] = kept;
  }
  if (Object.keys(paths).length === 0) throw new Error(`the OpenAPI document has no operation tagged '${tag}'`);
  const { servers: _servers, tags, components, ...rest } = document;
  const allComponents = isRecord(components) ? components : {};
  const selected: OpenApiDocument = { ...rest, paths: inlineComponentRefs(paths, allComponents) as Record<string, Record<string, unknown>> };
  const keptComponents = Object.fromEntries(Object.entries(allComponents).filter(([section]) => !inlinedComponents.includes(section)));
  if (Object.keys(keptComponents).length > 0) selected.components = keptComponents;
  if (Array.isArray(tags)) selected.tags = tags.filter((entry) => isRecord(entry) && entry.name === tag);
  return selected;
}

/** Reads the shared OpenAPI file and returns the JSON text of the operations tagged `tag`. */
export function openApiForTag(file: string, tag: string): string {
  const document = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  return JSON.stringify(selectOperationsByTag(document, tag));
}
