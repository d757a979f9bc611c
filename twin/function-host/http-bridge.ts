import { HttpRequest, HttpResponse, type Cookie, type HttpResponseInit } from '@azure/functions';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Builds the `HttpRequest` the Functions runtime would hand the handler. */
export function toHttpRequest(req: IncomingMessage, url: URL, params: Record<string, string>, body: Buffer): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) if (!(name in query)) query[name] = value;
  return new HttpRequest({
    method: req.method ?? 'GET',
    url: url.href,
    headers,
    query,
    params,
    ...(body.length > 0 ? { body: { bytes: body } } : {}),
  });
}

/** Statuses whose responses never carry a body (as the Fetch `Response` treats them). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Writes a handler's `HttpResponseInit` or `HttpResponse` back to the socket. A plain init with
 * a JSON, string or byte body (what the apps return) is written directly, with the content type
 * `HttpResponse` would give it; anything else (streams, forms, blobs) goes through `HttpResponse`.
 */
export async function writeHttpResponse(res: ServerResponse, result: HttpResponseInit | HttpResponse | undefined): Promise<void> {
  if (!(result instanceof HttpResponse)) {
    const init = result ?? {};
    const body = plainBody(init);
    if (body !== undefined) {
      writePlainResponse(res, init, body);
      return;
    }
  }
  const response = result instanceof HttpResponse ? result : new HttpResponse(result);
  const body = Buffer.from(await response.arrayBuffer());
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  for (const cookie of response.cookies) res.appendHeader('set-cookie', serializeCookie(cookie));
  res.end(body);
}

interface PlainBody {
  bytes: string | Uint8Array | undefined;
  /** What `HttpResponse` would set when the handler gave no content type. */
  defaultContentType: string | undefined;
}

function plainBody(init: HttpResponseInit): PlainBody | undefined {
  if (init.status !== undefined && NULL_BODY_STATUSES.has(init.status)) return { bytes: undefined, defaultContentType: undefined };
  if (init.jsonBody !== undefined) return { bytes: JSON.stringify(init.jsonBody), defaultContentType: 'application/json' };
  const body: unknown = init.body;
  if (body === undefined || body === null) return { bytes: undefined, defaultContentType: undefined };
  if (typeof body === 'string') return { bytes: body, defaultContentType: 'text/plain;charset=UTF-8' };
  if (body instanceof Uint8Array) return { bytes: body, defaultContentType: undefined };
  return undefined;
}

function writePlainResponse(res: ServerResponse, init: HttpResponseInit, body: PlainBody): void {
  res.statusCode = init.status ?? 200;
  const headers = init.headers;
  if (headers !== undefined) {
    // A plain record is what handlers return; Headers or pairs are normalised the way Response would.
    const entries = headers instanceof Headers || Array.isArray(headers) ? new Headers(headers).entries() : Object.entries(headers);
    for (const [name, value] of entries) res.setHeader(name, value);
  }
  if (body.defaultContentType !== undefined && !res.hasHeader('content-type')) res.setHeader('content-type', body.defaultContentType);
  for (const cookie of init.cookies ?? []) res.appendHeader('set-cookie', serializeCookie(cookie));
  res.end(body.bytes);
}

function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}
