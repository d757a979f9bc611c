import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Clock } from '../../shared/src/clock';
import type { RequestContext } from '../../shared/src/http-endpoint';
import { HttpProblem } from '../../shared/src/problem';
import type { Telemetry } from '../../shared/src/telemetry';
import { formatTraceparent } from '../../shared/src/trace-context';

/** What one audit row says was touched: never a value, only kinds and ids. */
export interface AuditedResource {
  type: 'patient' | 'test-result' | 'patient-search' | 'idempotency-key';
  /** A patient id, `<patientId>/tests[/<testId>]`, for searches the field names and a keyed hash of the values, for an Idempotency-Key its scoped hash. */
  id: string;
  /**
   * `disclose`: returned by a search, recorded under the record itself so its access log shows the
   * search; `replay`: read again by a repeated POST with the same Idempotency-Key.
   */
  operation: 'create' | 'replay' | 'claim' | 'read' | 'update' | 'delete' | 'list' | 'search' | 'disclose' | 'read-audit';
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
  /** Records several resources in one call, all or nothing (the disclosures of a search page). */
  recordAll(context: RequestContext, resources: readonly AuditedResource[]): Promise<void>;
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
  /**
   * Keeps connections to the Audit API open between calls (an `https.Agent` for an https URL).
   * A host passes its own, e.g. one bound to the app's outbound address; by default the client
   * makes a keep-alive agent and destroys it in `close()`.
   */
  agent?: Agent;
}

export interface HttpAuditClient extends AuditClient {
  /** Closes the client's own idle connections; an agent passed in is left to its owner. */
  close(): void;
}

/** Bounds the connections one app instance opens to the Audit API under load. */
export const AUDIT_MAX_SOCKETS = 64;

interface AuditAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * Calls the Audit API over `node:http`/`node:https` on a keep-alive agent: a plain request and
 * response per call, much cheaper in CPU than `fetch` (one audit call precedes every request).
 */
export function createHttpAuditClient(options: HttpAuditClientOptions): HttpAuditClient {
  const base = new URL(options.baseUrl);
  const secure = base.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  const ownAgent = options.agent === undefined ? new (secure ? HttpsAgent : Agent)({ keepAlive: true, maxSockets: AUDIT_MAX_SOCKETS }) : undefined;
  const agent = options.agent ?? ownAgent;
  const basePath = base.pathname.replace(/\/$/, '');
  const target = base.host;

  /** Headers and body count against one deadline; every failure is a problem, never a message with the key. */
  function call(context: RequestContext, name: string, method: string, path: string, body?: string): Promise<AuditAnswer> {
    const key = options.apiKey();
    if (key === undefined || key === '') return Promise.reject(new HttpProblem('auditUnavailable'));
    const startedAt = options.clock.now();
    const started = performance.now();
    const track = (success: boolean, resultCode: string): void =>
      options.telemetry.trackDependency(context.trace, { type: 'HTTP', name, target, startedAt, durationMs: performance.now() - started, success, resultCode });
    const headers: OutgoingHttpHeaders = { 'x-functions-key': key, traceparent: formatTraceparent(context.trace) };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      let timedOut = false;
      let settled = false;
      const fail = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        track(false, timedOut ? 'timeout' : 'unreachable');
        reject(new HttpProblem(timedOut ? 'auditTimeout' : 'auditUnavailable'));
      };
      const req = send({ protocol: base.protocol, hostname: base.hostname, port: base.port, path: basePath + path, method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        // A connection lost before the end of the body closes the response without 'end'.
        res.on('close', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          track(status >= 200 && status < 300, String(status));
          resolve({ status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy();
        fail();
      }, options.timeoutMs);
      req.on('error', fail);
      req.end(body);
    });
  }

  const auditRecord = (context: RequestContext, resource: AuditedResource): Record<string, unknown> => {
    const record: Record<string, unknown> = { sourceSystemName: options.sourceSystemName, resource, traceId: context.trace.traceId };
    if (Object.keys(context.caller).length > 0) record.caller = context.caller;
    return record;
  };

  return {
    async record(context, resource) {
      const answer = await call(context, 'POST /auditrecord', 'POST', '/auditrecord', JSON.stringify(auditRecord(context, resource)));
      if (answer.status !== 201 && answer.status !== 200) throw new HttpProblem('auditRejected');
    },

    async recordAll(context, resources) {
      const body = { records: resources.map((resource) => auditRecord(context, resource)) };
      const answer = await call(context, 'POST /auditrecords', 'POST', '/auditrecords', JSON.stringify(body));
      if (answer.status !== 201) throw new HttpProblem('auditRejected');
    },

    async listForResource(context, resourceId, continuationToken) {
      const query = new URLSearchParams({ resourceId });
      if (continuationToken !== undefined) query.set('continuationToken', continuationToken);
      const answer = await call(context, 'GET /auditrecord', 'GET', `/auditrecord?${query.toString()}`);
      if (answer.status === 400 && continuationToken !== undefined) {
        throw new HttpProblem('validation', { errors: [{ path: 'continuationToken', message: 'is not a continuation token of this query' }] });
      }
      if (answer.status !== 200) throw new HttpProblem('auditRejected');
      let records: unknown;
      try {
        records = JSON.parse(answer.text);
      } catch {
        throw new HttpProblem('auditRejected');
      }
      if (!Array.isArray(records)) throw new HttpProblem('auditRejected');
      const next = answer.headers['x-continuation-token'];
      return { records, continuationToken: typeof next === 'string' ? next : undefined };
    },

    close() {
      ownAgent?.destroy();
    },
  };
}
