import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { normalizeAddress } from '../network/cidr';
import { parseTraceparent } from '../../functions/shared/src/trace-context';
import { createAccessRestrictions, FORBIDDEN_PAGE, type AccessRules } from './access-restrictions';
import { compileRoutes, lookupRoute } from './function-routes';
import type { AuthLevel, HostedFunction } from './hosted-function';
import { presentedFunctionKey } from './host-keys';
import type { AuthorizationLevel, SecretManager } from './secret-manager';
import { FunctionFailedError, type HostRequest } from './worker/http-invocation';
import { BodyTooLargeError, readBody } from '../http/request-body';
import { closeServer, firstHeaderValue } from '../http/server-lifecycle';

export interface FunctionHostConfig {
  /** e.g. `patient-api`; used in log lines. */
  appName: string;
  host: string;
  port: number;
  /** The main site's access restrictions. */
  access: AccessRules;
  /** The app's keys; the host reads and generates them as requests arrive. */
  keys: SecretManager;
  functions: readonly HostedFunction[];
  /** The app streams HTTP: the host hands the request over unread. */
  streaming: boolean;
  /** The most the host reads of a request body (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, default 100 MB). */
  maxRequestBodyBytes: number;
  /** Runs a function through the worker and writes its response. */
  invoke(fn: HostedFunction, request: HostRequest, res: ServerResponse): Promise<void>;
}

export interface FunctionHost {
  readonly port: number;
  close(): Promise<void>;
}

/** The Functions host serves HTTP functions under this prefix (host.json `routePrefix`). */
const ROUTE_PREFIX = '/api';
/**
 * How long an idle keep-alive connection stays open: Kestrel's default KeepAliveTimeout (130 s)
 * rather than Node's 5 s, so a caller's pooled connection is not closed under it as it sends.
 */
const KEEP_ALIVE_TIMEOUT_MS = 130_000;

/** The master key passes every level; otherwise the level granted must be the one required. */
function admits(required: AuthLevel, granted: AuthorizationLevel): boolean {
  if (required === 'anonymous' || granted === 'admin') return true;
  return required === granted;
}

function declaredLength(req: IncomingMessage): number {
  const length = Number(req.headers['content-length'] ?? '0');
  return Number.isFinite(length) && length > 0 ? length : 0;
}

/**
 * A local Azure Functions host for one app: access restrictions by source address, key
 * authorization as the host does it (master, host and function keys), the routes the app
 * registered, and the body handed over as the host does: read only when the request announces
 * one (Content-Length > 0) unless the app streams.
 */
export async function startFunctionHost(config: FunctionHostConfig, logger: Logger): Promise<FunctionHost> {
  const routes = compileRoutes(config.functions);
  const admitted = createAccessRestrictions(config.access);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const source = normalizeAddress(req.socket.remoteAddress);
    const traceParent = firstHeaderValue(req.headers.traceparent);
    const traceId = parseTraceparent(traceParent)?.traceId ?? 'none';
    const line: Record<string, unknown> = { traceId, app: config.appName, method: req.method, clientIp: source, route: '(no route)' };
    res.on('finish', () => logger.info({ ...line, status: res.statusCode, durationMs: Date.now() - started }, 'request'));

    if (!admitted(source)) {
      req.resume();
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end(FORBIDDEN_PAGE);
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const path = url.pathname.toLowerCase().startsWith(`${ROUTE_PREFIX}/`) ? url.pathname.slice(ROUTE_PREFIX.length) : undefined;
    const lookup = path === undefined ? { kind: 'not-found' as const } : lookupRoute(routes, req.method ?? 'GET', path);
    if (lookup.kind !== 'found') {
      req.resume();
      res.writeHead(lookup.kind === 'not-found' ? 404 : 405);
      res.end();
      return;
    }
    line.route = `${ROUTE_PREFIX}/${lookup.fn.route}`;
    line.functionName = lookup.fn.name;
    const granted = config.keys.authorizationLevel(presentedFunctionKey(req.headers, url.searchParams), lookup.fn.name);
    if (!admits(lookup.fn.authLevel, granted)) {
      req.resume();
      res.writeHead(401);
      res.end();
      return;
    }
    const length = declaredLength(req);
    if (length > config.maxRequestBodyBytes) {
      req.resume();
      res.writeHead(413, { connection: 'close' });
      res.end();
      return;
    }
    let body: Buffer | undefined;
    if (!config.streaming && length > 0) {
      try {
        body = await readBody(req, config.maxRequestBodyBytes);
      } catch (error) {
        res.writeHead(error instanceof BodyTooLargeError ? 413 : 400, { connection: 'close' });
        res.end();
        return;
      }
    } else if (!config.streaming) req.resume();
    const request: HostRequest = { req, url, params: lookup.params, body, traceParent, traceState: firstHeaderValue(req.headers.tracestate) };
    try {
      await config.invoke(lookup.fn, request, res);
    } catch (error) {
      if (!(error instanceof FunctionFailedError)) logger.error({ app: config.appName, functionName: lookup.fn.name, error: error instanceof Error ? error.name : 'unknown' }, 'invocation failed');
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      } else res.destroy();
    }
  }

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server),
  };
}
