import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { normalizeAddress } from '../network/cidr';
import { parseTraceparent } from '../../functions/shared/src/trace-context';
import { createAccessRestrictions, FORBIDDEN_PAGE } from './access-restrictions';
import { compileRoutes, lookupRoute } from './function-routes';
import { presentedFunctionKey } from './host-keys';
import type { HostedRoute } from './hosted-route';
import type { AuthorizationLevel, SecretManager } from './secret-manager';
import { toHttpRequest, writeHttpResponse } from './http-bridge';
import { BodyTooLargeError, readBody } from '../http/request-body';
import { closeServer, firstHeaderValue } from '../http/server-lifecycle';

export interface FunctionHostConfig {
  /** e.g. `patient-api`; used in log lines. */
  appName: string;
  host: string;
  port: number;
  /** Source ranges admitted (App Service access restrictions, default Deny). */
  allowedSources: readonly string[];
  /** The app's keys; the host reads and generates them as requests arrive. */
  keys: SecretManager;
  routes: readonly HostedRoute[];
}

export interface FunctionHost {
  readonly port: number;
  close(): Promise<void>;
}

/** The Functions host serves HTTP functions under this prefix (host.json `routePrefix`). */
const ROUTE_PREFIX = '/api';
/** Larger than any app limit, so the apps answer 413 themselves; a guard against unbounded buffering. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The master key passes every level; otherwise the level granted must be the one required. */
function admits(required: HostedRoute['authLevel'], granted: AuthorizationLevel): boolean {
  if (required === 'anonymous' || granted === 'admin') return true;
  return required === granted;
}

/**
 * A local Azure Functions host for one app: access restrictions by source address, key
 * authorization as the host does it (master, host and function keys), route templates, and real
 * `HttpRequest` / `InvocationContext` objects.
 */
export async function startFunctionHost(config: FunctionHostConfig, logger: Logger): Promise<FunctionHost> {
  const routes = compileRoutes(config.routes);
  const admitted = createAccessRestrictions(config.allowedSources);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const source = normalizeAddress(req.socket.remoteAddress);
    const traceId = parseTraceparent(firstHeaderValue(req.headers.traceparent))?.traceId ?? 'none';
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
    line.route = `${ROUTE_PREFIX}/${lookup.route.route}`;
    line.functionName = lookup.route.name;
    const granted = config.keys.authorizationLevel(presentedFunctionKey(req.headers, url.searchParams), lookup.route.name);
    if (!admits(lookup.route.authLevel, granted)) {
      req.resume();
      res.writeHead(401);
      res.end();
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      res.writeHead(error instanceof BodyTooLargeError ? 413 : 400, { connection: 'close' });
      res.end();
      return;
    }
    const request = toHttpRequest(req, url, lookup.params, body);
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: lookup.route.name,
      traceContext: { traceParent: firstHeaderValue(req.headers.traceparent), traceState: firstHeaderValue(req.headers.tracestate), attributes: {} },
      logHandler: (level, ...args) => logger.info({ traceId, functionName: lookup.route.name, level }, args.map(String).join(' ')),
    });
    try {
      await writeHttpResponse(res, await lookup.route.handler(request, context));
    } catch {
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      } else res.destroy();
    }
  }

  const server = createServer((req, res) => {
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
