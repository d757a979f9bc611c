import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import type { FunctionRoute } from '../../../functions/shared/src/function-route';

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  traceParent?: string;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Calls one row of a route table the way the Functions host would: a real HttpRequest and InvocationContext. */
export async function callRoute(routes: FunctionRoute[], name: string, options: CallOptions = {}): Promise<CallResult> {
  const route = routes.find((candidate) => candidate.name === name);
  if (route === undefined) throw new Error(`no route ${name}`);
  const method = route.methods[0];
  let path = route.route;
  for (const [key, value] of Object.entries(options.params ?? {})) path = path.replace(`{${key}}`, encodeURIComponent(value));
  const url = new URL(`http://127.0.0.1/api/${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: { string: string } | undefined;
  if (options.body !== undefined) {
    body = { string: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) };
    if (!Object.keys(headers).some((header) => header.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const request = new HttpRequest({ method, url: url.toString(), headers, params: options.params ?? {}, ...(body !== undefined ? { body } : {}) });
  const context = new InvocationContext({
    functionName: name,
    invocationId: 'test',
    logHandler: () => undefined,
    ...(options.traceParent !== undefined ? { traceContext: { traceParent: options.traceParent } } : {}),
  });
  const response = new HttpResponse(await route.handler(request, context));
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
