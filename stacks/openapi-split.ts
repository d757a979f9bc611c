import { readFileSync } from 'node:fs';

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type OpenApiDocument = Record<string, unknown> & { paths?: Record<string, Record<string, unknown>> };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function operationTags(operation: unknown): string[] {
  if (!isRecord(operation) || !Array.isArray(operation.tags)) return [];
  return operation.tags.filter((tag): tag is string => typeof tag === 'string');
}

/**
 * The part of the OpenAPI document whose operations carry `tag`, for one APIM API. Paths with no such
 * operation are dropped; `servers` is dropped so APIM takes the backend from the stack, not from the file.
 */
export function selectOperationsByTag(document: OpenApiDocument, tag: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [route, item] of Object.entries(document.paths ?? {})) {
    const kept: Record<string, unknown> = {};
    let operations = 0;
    for (const [key, value] of Object.entries(item)) {
      const isOperation = (httpMethods as readonly string[]).includes(key);
      if (!isOperation) {
        kept[key] = value;
      } else if (operationTags(value).includes(tag)) {
        kept[key] = value;
        operations++;
      }
    }
    if (operations > 0) paths[route] = kept;
  }
  if (Object.keys(paths).length === 0) throw new Error(`the OpenAPI document has no operation tagged '${tag}'`);
  const { servers: _servers, tags, ...rest } = document;
  const selected: OpenApiDocument = { ...rest, paths };
  if (Array.isArray(tags)) selected.tags = tags.filter((entry) => isRecord(entry) && entry.name === tag);
  return selected;
}

/** Reads the shared OpenAPI file and returns the JSON text of the operations tagged `tag`. */
export function openApiForTag(file: string, tag: string): string {
  const document = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  return JSON.stringify(selectOperationsByTag(document, tag));
}
