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

/** A response a policy returned itself (`<return-response>` or a policy's own refusal): the pipeline stops there. */
class Returned {
  constructor(readonly response: GatewayResponse) {}
}

/** Where a section's steps apply: the request (inbound, backend) or the response (outbound, on-error). */
interface SectionState {
  section: PolicySection;
  headers: HeaderMap;
}

/**
 * Runs one section's steps in order. Returns a `Returned` when a step ends the pipeline with a
 * response (a rate limit, `<return-response>`), the backend's response once forwarded, or nothing.
 */
async function runSteps(steps: readonly PolicyStep[], state: SectionState, exchange: Exchange, runtime: PolicyRuntime): Promise<Returned | GatewayResponse | undefined> {
  for (const step of steps) {
    const outcome = await runStep(step, state, exchange, runtime);
    if (outcome) return outcome;
  }
  return undefined;
}

async function runStep(step: PolicyStep, state: SectionState, exchange: Exchange, runtime: PolicyRuntime): Promise<Returned | GatewayResponse | undefined> {
  switch (step.kind) {
    case 'base':
      // The global policy is empty but for its backend section, which forwards the request.
      return state.section === 'backend' ? runtime.forward(exchange, DEFAULT_FORWARD_TIMEOUT_SECONDS * 1000) : undefined;
    case 'set-header':
      applySetHeader(step, state.headers, exchange);
      return undefined;
    case 'set-backend-service':
      exchange.backendBaseUrl = runtime.backendUrl(step.backendId);
      return undefined;
    case 'rate-limit-by-key': {
      const key = `${step.id}:${renderValue(step.counterKey, exchange)}`;
      const decision = runtime.rateLimiter.hit(key, step.calls, step.renewalPeriodSeconds);
      return decision.allowed ? undefined : new Returned(errorResponse(APIM_ERRORS.rateLimited(decision.retryAfterSeconds)));
    }
    case 'forward-request':
      if (state.section !== 'backend') throw new GatewayFailure(APIM_ERRORS.internal());
      return runtime.forward(exchange, step.timeoutSeconds * 1000);
    case 'validate-content': {
      // Checked against Content-Length, as API Management does (docs/azure-behaviour.md).
      const declared = Number((exchange.expression.requestHeaders.get('content-length') ?? [])[0] ?? '0');
      if (step.sizeExceededAction !== 'prevent' || !(declared > step.maxSize)) return undefined;
      throw new GatewayFailure(APIM_ERRORS.bodyOverValidateContentLimit(declared, step.maxSize), {
        source: 'validate-content',
        reason: 'Bad request',
        message: `Request's body is ${declared} bytes long and it exceeds the configured limit of ${step.maxSize} bytes.`,
      });
    }
    case 'choose': {
      const branch = step.branches.find((candidate) => candidate.condition(exchange.expression));
      return runSteps(branch ? branch.steps : step.otherwise, state, exchange, runtime);
    }
    case 'return-response': {
      const headers: HeaderMap = new Map();
      for (const header of step.headers) headers.set(header.name, header.values.map((value) => renderValue(value, exchange)));
      return new Returned({ status: step.status, headers, body: Buffer.from(step.body ?? '') });
    }
  }
}

/**
 * Runs a parsed policy for one request: inbound, backend (forward), outbound; a failure anywhere
 * runs on-error with `context.LastError` set, whose `<return-response>` (if any) is the answer.
 */
export async function executePolicy(plan: PolicyPlan, exchange: Exchange, runtime: PolicyRuntime): Promise<GatewayResponse> {
  try {
    const inbound = await runSteps(plan.sections.inbound, { section: 'inbound', headers: exchange.requestHeaders }, exchange, runtime);
    if (inbound instanceof Returned) return inbound.response;
    const response = await runSteps(plan.sections.backend, { section: 'backend', headers: exchange.requestHeaders }, exchange, runtime);
    if (response instanceof Returned) return response.response;
    if (!response) throw new GatewayFailure(APIM_ERRORS.internal());
    const outbound = await runSteps(plan.sections.outbound, { section: 'outbound', headers: response.headers }, exchange, runtime);
    return outbound instanceof Returned ? outbound.response : response;
  } catch (error) {
    const failure = error instanceof GatewayFailure ? error : new GatewayFailure(APIM_ERRORS.internal());
    const failed = errorResponse(failure.apimError);
    exchange.expression = { ...exchange.expression, lastError: failure.lastError };
    const handled = await runSteps(plan.sections['on-error'], { section: 'on-error', headers: failed.headers }, exchange, runtime);
    return handled instanceof Returned ? handled.response : failed;
  }
}
