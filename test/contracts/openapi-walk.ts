import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of an OpenAPI 3.0 document these tests read; anything may also be a local `$ref`. */
export type Node = Record<string, unknown>;

export interface MediaType {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, unknown>;
}

export interface OperationEntry {
  method: string;
  path: string;
  operationId: string;
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, { description?: string; content?: Record<string, MediaType>; headers?: Record<string, unknown> }>;
}

/** Where an example sits (a JSON pointer), the schema it must satisfy, and each named value. */
export interface ExampleSite {
  where: string;
  schema: unknown;
  examples: Array<{ name: string; value: unknown }>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

export const CONTRACT_FILE = join(__dirname, '..', '..', 'contracts', 'patient-api.openapi.json');

export function loadContract(): Node {
  return JSON.parse(readFileSync(CONTRACT_FILE, 'utf8')) as Node;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows local `$ref`s (`#/a/b`) until a node that is not one; a dangling one throws. */
export function resolve<T>(document: Node, value: unknown): T {
  let current = value;
  while (isNode(current) && typeof current.$ref === 'string') {
    const ref = current.$ref;
    current = ref
      .replace(/^#\//, '')
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => (isNode(node) ? node[key] : undefined), document);
    if (current === undefined) throw new Error(`dangling reference ${ref}`);
  }
  return current as T;
}

/** Every operation, with its request body and responses resolved one level. */
export function operations(document: Node): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const [path, item] of Object.entries(resolve<Record<string, Node>>(document, document.paths))) {
    for (const [method, value] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(method) || !isNode(value)) continue;
      const responses = Object.fromEntries(Object.entries(resolve<Node>(document, value.responses)).map(([code, response]) => [code, resolve<OperationEntry['responses'][string]>(document, response)]));
      entries.push({
        method: method.toUpperCase(),
        path,
        operationId: String(value.operationId),
        ...(value.requestBody === undefined ? {} : { requestBody: resolve<NonNullable<OperationEntry['requestBody']>>(document, value.requestBody) }),
        responses,
      });
    }
  }
  return entries;
}

/** The named examples of a media type, parameter or header (`example` is named "example"). */
export function examplesOf(document: Node, holder: MediaType): Array<{ name: string; value: unknown }> {
  const named = Object.entries(holder.examples ?? {}).map(([name, example]) => ({ name, value: resolve<{ value?: unknown }>(document, example).value }));
  return 'example' in holder ? [{ name: 'example', value: holder.example }, ...named] : named;
}

/**
 * Every object in the document that has a `schema` and examples of it: media types, parameters and
 * headers, inline or under components. Schemas themselves are not searched (they hold no examples:
 * the apps compile them in strict mode, where `example` is an unknown keyword).
 */
export function exampleSites(document: Node): ExampleSite[] {
  const sites: ExampleSite[] = [];
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      node.forEach((entry, index) => visit(entry, `${where}/${index}`));
      return;
    }
    if (!isNode(node) || where === '/components/schemas') return;
    if ('schema' in node && ('example' in node || 'examples' in node)) {
      sites.push({ where, schema: node.schema, examples: examplesOf(document, node) });
    }
    for (const [key, value] of Object.entries(node)) visit(value, `${where}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  visit(document, '');
  return sites;
}
