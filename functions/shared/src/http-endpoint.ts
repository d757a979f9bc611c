import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { HttpProblem, problemResponse, problemTypeUri } from './problem';
import type { RequestLog } from './request-log';
import type { Telemetry } from './telemetry';
import { continueTrace, type TraceContext } from './trace-context';

/**
 * What the gateway tells the app about the caller, each in a header its policy overrides (so a
 * client cannot choose it); stored in audit rows, never logged. `requestId` is API Management's
 * own id of the request: beside the trace id, which a client may choose, it is one it cannot.
 */
export interface CallerInfo {
  subscriptionId?: string;
  clientIp?: string;
  requestId?: string;
}

export interface RequestContext {
  trace: TraceContext;
  caller: CallerInfo;
}

export type EndpointHandler = (request: HttpRequest, context: RequestContext) => Promise<HttpResponseInit>;

export interface EndpointDeps {
  telemetry: Telemetry;
  log: RequestLog;
}

export interface EndpointDescription {
  /** Operation name (the OpenAPI operationId / function name). */
  operation: string;
  /** Route template, e.g. `patient/{patientId}`; logged instead of the path. */
  route: string;
}

/**
 * Wraps a handler with what every request gets: the W3C trace continued, a request span,
 * expected failures as problem documents, unexpected ones as a bare 500 (no stack, no
 * message), and one log line.
 */
export function createEndpoint(deps: EndpointDeps, description: EndpointDescription, handler: EndpointHandler): HttpHandler {
  return async (request: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> => {
    const started = performance.now();
    const span = deps.telemetry.startRequest(description.operation, continueTrace(request.headers.get('traceparent'), invocation.traceContext?.traceParent));
    let response: HttpResponseInit;
    let problemType: string | undefined;
    try {
      response = await handler(request, { trace: span.trace, caller: readCaller(request) });
    } catch (error) {
      if (error instanceof HttpProblem) {
        response = problemResponse(error.kind, error.options);
        problemType = problemTypeUri(error.kind);
      } else {
        deps.log.failure(span.trace.traceId, description.operation, error);
        response = problemResponse('internal');
        problemType = problemTypeUri('internal');
      }
    }
    const status = response.status ?? 200;
    span.end(status);
    deps.log.request({
      traceId: span.trace.traceId,
      operation: description.operation,
      method: request.method,
      route: description.route,
      status,
      durationMs: Math.round(performance.now() - started),
      ...(problemType !== undefined ? { problemType } : {}),
    });
    return response;
  };
}

function readCaller(request: HttpRequest): CallerInfo {
  const caller: CallerInfo = {};
  const subscriptionId = boundedHeader(request.headers.get('x-apim-subscription-id'), 128);
  if (subscriptionId !== undefined) caller.subscriptionId = subscriptionId;
  // Not X-Forwarded-For: clients set it, and API Management and App Service only append to it.
  const clientIp = boundedHeader(request.headers.get('x-apim-client-ip'), 64);
  if (clientIp !== undefined) caller.clientIp = clientIp;
  const requestId = boundedHeader(request.headers.get('x-apim-request-id'), 64);
  if (requestId !== undefined) caller.requestId = requestId;
  return caller;
}

function boundedHeader(value: string | null | undefined, maxLength: number): string | undefined {
  const trimmed = value?.trim();
  if (trimmed === undefined || trimmed === '' || trimmed.length > maxLength || !/^[\x21-\x7e]+$/.test(trimmed)) return undefined;
  return trimmed;
}
