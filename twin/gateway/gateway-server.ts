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
}

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

  // The body is read whole first and sent with an explicit Content-Length: a streamed body on a
  // method Node frames without length or chunks (GET, DELETE) would run into the next request
  // on the pooled backend connection, carrying another client's key and subscription.
  const forward = (req: IncomingMessage, body: Buffer, operation: GatewayOperation, path: string, query: URLSearchParams) =>
    (exchange: Exchange, timeoutMs: number): Promise<GatewayResponse> =>
      new Promise((resolve, reject) => {
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
    let body: Buffer;
    try {
      body = await readBody(req, MAX_FORWARDED_BODY_BYTES);
      // API Management drops a body sent with GET (docs/azure-behaviour.md); HEAD is treated alike.
      if (req.method === 'GET' || req.method === 'HEAD') body = Buffer.alloc(0);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.setHeader('connection', 'close');
      sendApimError(res, APIM_ERRORS.bodyTooLarge());
      return;
    }
    url.searchParams.delete('subscription-key');
    const requestHeaders = toHeaderMap(req.headers, NOT_FORWARDED);
    requestHeaders.set('x-forwarded-for', [clientIp]);
    requestHeaders.set('traceparent', [formatTraceparent(span)]);
    const exchange: Exchange = {
      requestHeaders,
      namedValues,
      expression: { subscription: { id: check.subscription.id, name: check.subscription.name }, clientIp },
    };
    const response = await executePolicy(plan, exchange, {
      rateLimiter,
      backendUrl: (id) => config.backends[id],
      forward: forward(req, body, match.operation, url.pathname, url.searchParams),
    });
    res.statusCode = response.status;
    for (const [name, values] of response.headers) res.setHeader(name, values.length === 1 ? values[0] : values);
    if (Buffer.isBuffer(response.body)) res.end(response.body);
    else response.body.pipe(res);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendApimError(res, APIM_ERRORS.internal());
      else res.destroy();
    });
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
