import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { CoreInvocationContext, RegisteredFunction, RpcHttp, TypedData, WorkerLog } from './core-module';
import type { LoadedPackage } from './load-package';

/** What the host knows of a request once access restrictions and keys have passed. */
export interface HostRequest {
  req: IncomingMessage;
  /** The URL the app sees (the host's own address, with `/api`). */
  url: URL;
  params: Record<string, string>;
  /** The request's body when the host buffered it (non-streaming apps), else undefined. */
  body: Buffer | undefined;
  traceParent: string | undefined;
  traceState: string | undefined;
}

export class FunctionFailedError extends Error {
  override readonly name = 'FunctionFailedError';
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

function triggerBindingName(fn: RegisteredFunction): string {
  const found = Object.entries(fn.metadata.bindings).find(([, binding]) => binding.type === 'httpTrigger');
  if (!found) throw new Error(`function ${fn.metadata.name} has no httpTrigger binding`);
  return found[0];
}

function coreContext(fn: RegisteredFunction, request: HostRequest, http: RpcHttp, triggerMetadata: Record<string, TypedData>, log: WorkerLog): CoreInvocationContext {
  const invocationId = randomUUID();
  return {
    invocationId,
    metadata: fn.metadata,
    state: 'invocation',
    log,
    request: {
      invocationId,
      functionId: fn.metadata.name,
      inputData: [{ name: triggerBindingName(fn), data: { http } }],
      triggerMetadata,
      traceContext: {
        ...(request.traceParent ? { traceParent: request.traceParent } : {}),
        ...(request.traceState ? { traceState: request.traceState } : {}),
        attributes: {},
      },
    },
  };
}

async function invoke(pkg: LoadedPackage, fn: RegisteredFunction, context: CoreInvocationContext): Promise<TypedData | null | undefined> {
  const model = pkg.programmingModel.getInvocationModel(context);
  try {
    const { context: invocationContext, inputs } = await model.getArguments();
    const result = await model.invokeFunction(invocationContext, inputs, fn.handler);
    return (await model.getResponse(invocationContext, result)).returnValue;
  } catch (error) {
    // The host answers an unhandled failure with 500 and no detail.
    throw new FunctionFailedError(`function ${fn.metadata.name} failed (${error instanceof Error ? error.name : 'unknown'})`);
  }
}

function bodyBytes(data: TypedData | null | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  if (data.bytes) return Buffer.from(data.bytes);
  if (typeof data.string === 'string') return Buffer.from(data.string);
  if (typeof data.json === 'string') return Buffer.from(data.json);
  return Buffer.alloc(0);
}

function serializeCookie(cookie: Record<string, unknown>): string {
  const parts = [`${String(cookie.name)}=${String(cookie.value)}`];
  const nullable = (field: string) => (cookie[field] as { value?: unknown } | undefined)?.value;
  if (nullable('domain') !== undefined) parts.push(`Domain=${String(nullable('domain'))}`);
  if (nullable('path') !== undefined) parts.push(`Path=${String(nullable('path'))}`);
  if (nullable('maxAge') !== undefined) parts.push(`Max-Age=${String(nullable('maxAge'))}`);
  if (nullable('secure') === true) parts.push('Secure');
  if (nullable('httpOnly') === true) parts.push('HttpOnly');
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None' }[String(cookie.sameSite)];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

/** Statuses whose responses never carry a body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Invokes an HTTP function the way the Functions host does with the Node.js worker: the request
 * goes over in the worker's RPC shape (`RpcHttpData`, the body as bytes when the host read one),
 * the library turns it into the app's `HttpRequest`, and its returned `RpcHttpData` is written back.
 */
export async function invokeBuffered(pkg: LoadedPackage, fn: RegisteredFunction, request: HostRequest, res: ServerResponse, log: WorkerLog): Promise<void> {
  const query: Record<string, string> = {};
  for (const [name, value] of request.url.searchParams) if (!(name in query)) query[name] = value;
  const http: RpcHttp = {
    method: request.req.method ?? 'GET',
    url: request.url.href,
    headers: flatHeaders(request.req.headers),
    query,
    params: request.params,
    ...(request.body && request.body.length > 0 ? { body: { bytes: request.body } } : {}),
  };
  const returned = await invoke(pkg, fn, coreContext(fn, request, http, {}, log));
  const response = returned?.http;
  if (!response) throw new FunctionFailedError(`function ${fn.metadata.name} returned no HTTP response`);
  const status = Number(response.statusCode ?? '200');
  res.statusCode = status;
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  for (const cookie of response.cookies ?? []) res.appendHeader('set-cookie', serializeCookie(cookie));
  res.end(NULL_BODY_STATUSES.has(status) ? undefined : bodyBytes(response.body));
}

/** Headers the host sets on the request it proxies to a streaming worker (the library requires them). */
const INVOCATION_ID_HEADER = 'x-ms-invocation-id';

/**
 * Invokes an HTTP function of an app that streams HTTP (`app.setup({ enableHttpStream: true })`):
 * the raw request is proxied to the worker's `HttpUri` with its invocation id, body streamed, and
 * the invocation itself carries no HTTP data; the response comes back on the proxied connection.
 */
export async function invokeStreamed(pkg: LoadedPackage, fn: RegisteredFunction, request: HostRequest, res: ServerResponse, log: WorkerLog): Promise<void> {
  const target = new URL(pkg.capabilities.HttpUri);
  const headers = flatHeaders(request.req.headers);
  const triggerMetadata: Record<string, TypedData> = { Headers: { json: JSON.stringify(headers) } };
  for (const [name, value] of Object.entries(request.params)) triggerMetadata[name] = { string: value };
  const context = coreContext(fn, request, {}, triggerMetadata, log);
  const outgoing = httpRequest({
    host: target.hostname,
    port: target.port,
    method: request.req.method,
    path: `${request.url.pathname}${request.url.search}`,
    headers: { ...headers, [INVOCATION_ID_HEADER]: context.invocationId, 'x-forwarded-host': request.url.host, 'x-forwarded-proto': request.url.protocol.replace(':', '') },
  });
  const proxied = new Promise<void>((resolve, reject) => {
    outgoing.on('response', (incoming) => {
      res.statusCode = incoming.statusCode ?? 500;
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined && name !== INVOCATION_ID_HEADER && name !== 'connection' && name !== 'transfer-encoding') res.setHeader(name, value);
      }
      incoming.pipe(res);
      incoming.on('end', resolve);
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
  });
  request.req.pipe(outgoing);
  try {
    await Promise.all([invoke(pkg, fn, context), proxied]);
  } catch (error) {
    // A failed invocation never answers on the proxied connection: drop it rather than wait.
    outgoing.destroy();
    throw error;
  }
}
