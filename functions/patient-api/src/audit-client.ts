import type { Clock } from '../../shared/src/clock';
import type { RequestContext } from '../../shared/src/http-endpoint';
import { HttpProblem } from '../../shared/src/problem';
import type { Telemetry } from '../../shared/src/telemetry';
import { formatTraceparent } from '../../shared/src/trace-context';

/** What one audit row says was touched: never a value, only kinds and ids. */
export interface AuditedResource {
  type: 'patient' | 'test-result' | 'patient-search';
  /** A patient id, `<patientId>/tests[/<testId>]`, or for searches the field names and a hash of the values. */
  id: string;
  operation: 'create' | 'read' | 'update' | 'delete' | 'list' | 'search' | 'read-audit';
}

export interface AuditPage {
  records: unknown[];
  continuationToken: string | undefined;
}

/**
 * The Patient API's way to the audit register. Every failure is a problem that stops the
 * request before any data is touched: no answer in time 504, unreachable 503, refused 502.
 */
export interface AuditClient {
  record(context: RequestContext, resource: AuditedResource): Promise<void>;
  listForResource(context: RequestContext, resourceId: string, continuationToken?: string): Promise<AuditPage>;
}

export interface HttpAuditClientOptions {
  /** Base URL including `/api`. */
  baseUrl: string;
  /** Read for every call: the key rotates and the host refreshes it without a restart. */
  apiKey: () => string | undefined;
  timeoutMs: number;
  sourceSystemName: string;
  telemetry: Telemetry;
  clock: Clock;
  fetch?: typeof fetch;
}

export function createHttpAuditClient(options: HttpAuditClientOptions): AuditClient {
  const doFetch = options.fetch ?? fetch;
  const target = safeHost(options.baseUrl);

  async function call(context: RequestContext, name: string, url: string, init: RequestInit): Promise<Response> {
    const key = options.apiKey();
    if (key === undefined || key === '') throw new HttpProblem('auditUnavailable');
    const startedAt = options.clock.now();
    const started = performance.now();
    const track = (success: boolean, resultCode: string): void =>
      options.telemetry.trackDependency(context.trace, { type: 'HTTP', name, target, startedAt, durationMs: performance.now() - started, success, resultCode });
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await doFetch(url, {
        ...init,
        signal,
        headers: { ...(init.headers as Record<string, string>), 'x-functions-key': key, traceparent: formatTraceparent(context.trace) },
      });
      track(response.ok, String(response.status));
      return response;
    } catch (error) {
      const timedOut = signal.aborted || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
      track(false, timedOut ? 'timeout' : 'unreachable');
      throw new HttpProblem(timedOut ? 'auditTimeout' : 'auditUnavailable');
    }
  }

  /** The body counts against the same deadline as the headers. */
  async function readBody(response: Response): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new HttpProblem(timedOut ? 'auditTimeout' : 'auditUnavailable');
    }
  }

  return {
    async record(context, resource) {
      const body: Record<string, unknown> = { sourceSystemName: options.sourceSystemName, resource, traceId: context.trace.traceId };
      if (context.caller.subscriptionId !== undefined || context.caller.clientIp !== undefined) body.caller = context.caller;
      const response = await call(context, 'POST /auditrecord', `${options.baseUrl}/auditrecord`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await readBody(response);
      if (response.status !== 201 && response.status !== 200) throw new HttpProblem('auditRejected');
    },

    async listForResource(context, resourceId, continuationToken) {
      const query = new URLSearchParams({ resourceId });
      if (continuationToken !== undefined) query.set('continuationToken', continuationToken);
      const response = await call(context, 'GET /auditrecord', `${options.baseUrl}/auditrecord?${query.toString()}`, { method: 'GET' });
      const text = await readBody(response);
      if (response.status === 400 && continuationToken !== undefined) {
        throw new HttpProblem('validation', { errors: [{ path: 'continuationToken', message: 'is not a continuation token of this query' }] });
      }
      if (response.status !== 200) throw new HttpProblem('auditRejected');
      let records: unknown;
      try {
        records = JSON.parse(text);
      } catch {
        throw new HttpProblem('auditRejected');
      }
      if (!Array.isArray(records)) throw new HttpProblem('auditRejected');
      return { records, continuationToken: response.headers.get('x-continuation-token') ?? undefined };
    },
  };
}

function safeHost(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'audit-api';
  }
}
