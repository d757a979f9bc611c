import type { Readable } from 'node:stream';
import { APIM_ERRORS, GatewayFailure, type ApimError } from './apim-errors';
import type { ExpressionContext } from './policy-expressions';
import { DEFAULT_FORWARD_TIMEOUT_SECONDS, type PolicyPlan, type PolicySection, type PolicyStep, type ValueTemplate } from './policy-plan';
import type { RateLimiter } from './rate-limiter';

/** Header names are lower-case; a header may repeat. */
export type HeaderMap = Map<string, string[]>;

export interface GatewayResponse {
  status: number;
  headers: HeaderMap;
  body: Readable | Buffer;
}

export interface Exchange {
  requestHeaders: HeaderMap;
  expression: ExpressionContext;
  /** One consistent set of named values for the whole request, so a refresh never splits it. */
  namedValues: ReadonlyMap<string, string>;
  backendBaseUrl?: string;
}

export interface PolicyRuntime {
  backendUrl(backendId: string): string;
  rateLimiter: RateLimiter;
  /** Sends the request to `exchange.backendBaseUrl`; throws GatewayFailure on timeout or connection failure. */
  forward(exchange: Exchange, timeoutMs: number): Promise<GatewayResponse>;
}

export function renderValue(template: ValueTemplate, exchange: Exchange): string {
  if (template.kind === 'expression') return template.evaluate(exchange.expression);
  return template.parts
    .map((part) => {
      if ('text' in part) return part.text;
      const value = exchange.namedValues.get(part.namedValue);
      if (value === undefined) throw new GatewayFailure(APIM_ERRORS.internal());
      return value;
    })
    .join('');
}

function applySetHeader(step: Extract<PolicyStep, { kind: 'set-header' }>, headers: HeaderMap, exchange: Exchange): void {
  const present = headers.has(step.name);
  switch (step.existsAction) {
    case 'delete':
      headers.delete(step.name);
      return;
    case 'skip':
      if (!present) headers.set(step.name, step.values.map((v) => renderValue(v, exchange)));
      return;
    case 'append':
      headers.set(step.name, [...(headers.get(step.name) ?? []), ...step.values.map((v) => renderValue(v, exchange))]);
      return;
    case 'override':
      headers.set(step.name, step.values.map((v) => renderValue(v, exchange)));
      return;
  }
}

function errorResponse(error: ApimError): GatewayResponse {
  const headers: HeaderMap = new Map([['content-type', ['application/json']]]);
  for (const [name, value] of Object.entries(error.headers ?? {})) headers.set(name, [value]);
  return { status: error.status, headers, body: Buffer.from(JSON.stringify(error.body)) };
}

/**
 * Runs a parsed policy for one request: inbound, backend (forward), outbound; failures go
 * through on-error. `<base />` runs the (empty) global policy, except in `<backend>` where the
 * global policy forwards the request.
 */
export async function executePolicy(plan: PolicyPlan, exchange: Exchange, runtime: PolicyRuntime): Promise<GatewayResponse> {
  let response: GatewayResponse | undefined;
  try {
    for (const step of plan.sections.inbound) {
      response = runInbound(step, exchange, runtime);
      if (response) break;
    }
    if (!response) {
      for (const step of plan.sections.backend) {
        if (step.kind === 'set-backend-service') exchange.backendBaseUrl = runtime.backendUrl(step.backendId);
        else if (step.kind === 'forward-request' || step.kind === 'base') {
          const timeout = step.kind === 'forward-request' ? step.timeoutSeconds : DEFAULT_FORWARD_TIMEOUT_SECONDS;
          response = await runtime.forward(exchange, timeout * 1000);
        }
      }
      if (!response) throw new GatewayFailure(APIM_ERRORS.internal());
    }
    runHeaderSection(plan, 'outbound', response.headers, exchange);
    return response;
  } catch (error) {
    const failure = error instanceof GatewayFailure ? error.apimError : APIM_ERRORS.internal();
    const failed = errorResponse(failure);
    runHeaderSection(plan, 'on-error', failed.headers, exchange);
    return failed;
  }
}

function runInbound(step: PolicyStep, exchange: Exchange, runtime: PolicyRuntime): GatewayResponse | undefined {
  switch (step.kind) {
    case 'base':
      return undefined;
    case 'set-header':
      applySetHeader(step, exchange.requestHeaders, exchange);
      return undefined;
    case 'set-backend-service':
      exchange.backendBaseUrl = runtime.backendUrl(step.backendId);
      return undefined;
    case 'rate-limit-by-key': {
      const key = `${step.id}:${renderValue(step.counterKey, exchange)}`;
      const decision = runtime.rateLimiter.hit(key, step.calls, step.renewalPeriodSeconds);
      return decision.allowed ? undefined : errorResponse(APIM_ERRORS.rateLimited(decision.retryAfterSeconds));
    }
    case 'forward-request':
      throw new GatewayFailure(APIM_ERRORS.internal());
  }
}

function runHeaderSection(plan: PolicyPlan, section: PolicySection, headers: HeaderMap, exchange: Exchange): void {
  for (const step of plan.sections[section]) {
    if (step.kind === 'set-header') applySetHeader(step, headers, exchange);
  }
}
