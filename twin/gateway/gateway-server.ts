import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { normalizeAddress } from '../network/cidr';
import { continueTrace, formatTraceparent } from '../../functions/shared/src/trace-context';
import { APIM_ERRORS, GatewayFailure, type ApimError } from './apim-errors';
import { APIS, buildApiCatalog, matchOperation, type GatewayOperation } from './api-catalog';
import { executePolicy, type Exchange, type GatewayResponse, type HeaderMap } from './policy-executor';
import { parsePolicy } from './policy-parser';
import { RateLimiter } from './rate-limiter';
import { checkSubscription, presentedKey, type Subscription } from './subscriptions';
import { BodyTooLargeError, readBody } from '../http/request-body';
import { closeServer, firstHeaderValue } from '../http/server-lifecycle';

export interface GatewayConfig {
  host: string;
  port: number;
  /** The APIM subnet address the gateway connects to backends from. */
  outboundAddress: string;
  policyXml: string;
  openApi: Parameters<typeof buildApiCatalog>[0];
  /** Backend id → base URL (e.g. `patient-api` → `http://127.0.2.1:port/api`). */
  backends: Record<string, string>;
  namedValues: Record<string, string>;
  subscriptions: Subscription[];
  /** Connection limits (defaults: CONNECTION_LIMITS). */
  limits?: Partial<ConnectionLimits>;
}

/** What a client may hold of the gateway: slow or silent connections are cut, and there are only so many. */
export interface ConnectionLimits {
  /** From accepting a connection to having a request's headers. */
  headersTimeoutMs: number;
  /** From accepting a connection to having the whole request. */
  requestTimeoutMs: number;
  maxConnections: number;
}

export const CONNECTION_LIMITS: ConnectionLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, maxConnections: 2_048 };

export interface Gateway {
  readonly port: number;
  setNamedValue(name: string, value: string): void;
  setSubscriptions(subscriptions: Subscription[]): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);
/** Request headers not passed to the backend as they came: the policy and the gateway set their own. */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'content-length', 'ocp-apim-subscription-key', 'x-forwarded-for', 'traceparent']);
/** The most the gateway buffers of a request body: what the local function host itself accepts. */
const MAX_FORWARDED_BODY_BYTES = 10 * 1024 * 1024;

function toHeaderMap(headers: IncomingHttpHeaders, drop: Set<string>): HeaderMap {
  const map: HeaderMap = new Map();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || drop.has(name)) continue;
    map.set(name, Array.isArray(value) ? value : [value]);
  }
  return map;
}

/**
 * An unread request body after an early answer is drained (read and thrown away, never held) for
 * up to this long, as a web server's lingering close does, so the client reads the answer instead
 * of a reset; then the connection is cut.
 */
const LINGER_MS = 30_000;

function lingerThenClose(req: IncomingMessage): void {
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  req.on('close', () => clearTimeout(timer));
  req.resume();
}

function sendApimError(res: ServerResponse, error: ApimError): void {
  res.writeHead(error.status, { 'content-type': 'application/json', ...(error.headers ?? {}) });
  res.end(JSON.stringify(error.body));
}

/**
 * The API Management twin: routes by the OpenAPI file, checks subscription keys against the
 * products, then executes the policy file (parsed once, here, before listening).
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<Gateway> {
  const plan = parsePolicy(config.policyXml);
  for (const name of plan.namedValues) {
    if (config.namedValues[name] === undefined) throw new Error(`policy uses named value "${name}", which does not exist`);
  }
  for (const id of plan.backendIds) {
    if (config.backends[id] === undefined) throw new Error(`policy uses backend "${id}", which does not exist`);
  }
  const operations = buildApiCatalog(config.openApi);
  const rateLimiter = new RateLimiter();
  let namedValues: ReadonlyMap<string, string> = new Map(Object.entries(config.namedValues));
  let subscriptions = config.subscriptions;

  // The body is read only when the request is forwarded (after the inbound policy, which may refuse
  // it unread), whole, and sent with an explicit Content-Length: a streamed body on a method Node
  // frames without length or chunks (GET, DELETE) would run into the next request on the pooled
  // backend connection, carrying another client's key and subscription.
  const forward = (req: IncomingMessage, operation: GatewayOperation, path: string, query: URLSearchParams) =>
    async (exchange: Exchange, timeoutMs: number): Promise<GatewayResponse> => {
      let body: Buffer;
      try {
        body = await readBody(req, MAX_FORWARDED_BODY_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLargeError) throw new GatewayFailure(APIM_ERRORS.bodyTooLarge());
        throw error;
      }
      // API Management drops a body sent with GET (docs/azure-behaviour.md); HEAD is treated alike.
      if (req.method === 'GET' || req.method === 'HEAD') body = Buffer.alloc(0);
      return new Promise((resolve, reject) => {
        const base = new URL(exchange.backendBaseUrl ?? '');
        const search = query.toString();
        const apiPrefix = APIS.find((a) => a.name === operation.api)!.urlSuffix;
        const backendPath = apiPrefix ? path.slice(apiPrefix.length + 1) : path;
        const headers: Record<string, string | string[]> = Object.fromEntries(exchange.requestHeaders);
        if (body.length > 0 || (req.headers['content-length'] !== undefined && req.method !== 'GET' && req.method !== 'HEAD')) headers['content-length'] = String(body.length);
        const outgoing = httpRequest({
          host: base.hostname,
          port: base.port,
          method: req.method,
          path: `${base.pathname.replace(/\/$/, '')}${backendPath}${search ? `?${search}` : ''}`,
          headers,
          localAddress: config.outboundAddress,
        });
        const timer = setTimeout(() => {
          outgoing.destroy();
          reject(new GatewayFailure(APIM_ERRORS.backendTimeout()));
        }, timeoutMs);
        outgoing.on('response', (incoming) => {
          clearTimeout(timer);
          resolve({ status: incoming.statusCode ?? 502, headers: toHeaderMap(incoming.headers, HOP_BY_HOP), body: incoming });
        });
        outgoing.on('error', (error: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(new GatewayFailure(error.code === 'ECONNREFUSED' ? APIM_ERRORS.backendUnreachable() : APIM_ERRORS.backendFailed()));
        });
        outgoing.end(body);
      });
    };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const span = continueTrace(firstHeaderValue(req.headers.traceparent));
    const clientIp = normalizeAddress(req.socket.remoteAddress);
    const url = new URL(req.url ?? '/', 'http://gateway');
    const match = matchOperation(operations, req.method ?? 'GET', url.pathname);
    const line = { traceId: span.traceId, method: req.method, clientIp, route: match?.operation.template.text ?? '(no route)', operationId: match?.operation.operationId };
    res.on('finish', () => logger.info({ ...line, status: res.statusCode, durationMs: Date.now() - started }, 'request'));
    if (!match) {
      req.resume();
      sendApimError(res, APIM_ERRORS.notFound());
      return;
    }
    const check = checkSubscription(subscriptions, presentedKey(req.headers, url.searchParams), match.operation.api);
    if (!check.ok) {
      req.resume();
      sendApimError(res, check.reason === 'missing' ? APIM_ERRORS.missingKey() : APIM_ERRORS.invalidKey());
      return;
    }
    Object.assign(line, { subscriptionId: check.subscription.id });
    url.searchParams.delete('subscription-key');
    const requestHeaders = toHeaderMap(req.headers, NOT_FORWARDED);
    requestHeaders.set('x-forwarded-for', [clientIp]);
    requestHeaders.set('traceparent', [formatTraceparent(span)]);
    const exchange: Exchange = {
      requestHeaders,
      namedValues,
      expression: {
        subscription: { id: check.subscription.id, name: check.subscription.name },
        clientIp,
        requestId: randomUUID(),
        requestHeaders: toHeaderMap(req.headers, new Set()),
      },
    };
    const response = await executePolicy(plan, exchange, {
      rateLimiter,
      backendUrl: (id) => config.backends[id],
      forward: forward(req, match.operation, url.pathname, url.searchParams),
    });
    // A request answered before its body was read (a policy refused it): the rest is read and thrown
    // away for a while, so the client sees the answer instead of a reset, then the connection ends.
    if (!req.readableEnded) lingerThenClose(req);
    res.statusCode = response.status;
    for (const [name, values] of response.headers) res.setHeader(name, values.length === 1 ? values[0] : values);
    if (Buffer.isBuffer(response.body)) res.end(response.body);
    else response.body.pipe(res);
  }

  const limits = { ...CONNECTION_LIMITS, ...config.limits };
  const server: Server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Timeouts are checked this often; Node's default (30 s) would let silent connections pile up far longer.
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) sendApimError(res, APIM_ERRORS.internal());
        else res.destroy();
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  // Node times out a request's headers only once a request has begun: a connection that never
  // sends a byte is cut here, after the same time.
  server.on('connection', (socket) => {
    const silent = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    silent.unref();
    socket.once('data', () => clearTimeout(silent));
    socket.once('close', () => clearTimeout(silent));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    setNamedValue(name, value) {
      const next = new Map(namedValues);
      next.set(name, value);
      namedValues = next;
    },
    setSubscriptions(next) {
      subscriptions = next;
    },
    close: () => closeServer(server),
  };
}
