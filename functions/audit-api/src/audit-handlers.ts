import type { Clock } from '../../shared/src/clock';
import { decodeContinuationToken, encodeContinuationToken } from '../../shared/src/continuation-token';
import type { EndpointHandler } from '../../shared/src/http-endpoint';
import type { IdGenerator } from '../../shared/src/ids';
import { readJsonBody } from '../../shared/src/json-body';
import { jsonResponse } from '../../shared/src/json-response';
import { HttpProblem } from '../../shared/src/problem';
import type { SchemaValidator } from '../../shared/src/validation';
import type { AuditRecord, AuditRecordInput } from './audit-record';
import type { AuditStore } from './audit-store';

export const MAX_AUDIT_PAGE = 1000;

export interface AuditHandlerDeps {
  store: AuditStore;
  clock: Clock;
  newId: IdGenerator;
  validator: SchemaValidator;
}

export interface AuditHandlers {
  createAuditRecord: EndpointHandler;
  createAuditRecords: EndpointHandler;
  listAuditRecords: EndpointHandler;
}

export function createAuditHandlers(deps: AuditHandlerDeps): AuditHandlers {
  // Records are read oldest first: within this process no two get the same createdDate.
  let lastCreated = 0;
  const nextCreatedDate = (): string => {
    lastCreated = Math.max(deps.clock.now().getTime(), lastCreated + 1);
    return new Date(lastCreated).toISOString();
  };

  return {
    async createAuditRecord(request, context) {
      const input = deps.validator.check<AuditRecordInput>('AuditRecordInput', await readJsonBody(request));
      const record: AuditRecord = { id: deps.newId(), createdDate: nextCreatedDate(), ...input };
      await deps.store.append(context.trace, record);
      return jsonResponse(201, record);
    },

    async createAuditRecords(request, context) {
      const batch = deps.validator.check<{ records: AuditRecordInput[] }>('AuditRecordBatch', await readJsonBody(request));
      const records: AuditRecord[] = batch.records.map((input) => ({ id: deps.newId(), createdDate: nextCreatedDate(), ...input }));
      await deps.store.appendAll(context.trace, records);
      return jsonResponse(201, records);
    },

    async listAuditRecords(request, context) {
      const resourceId = request.query.get('resourceId');
      if (resourceId === null || !/^[A-Za-z0-9._:;,=-]{1,256}$/.test(resourceId)) {
        throw new HttpProblem('validation', { errors: [{ path: 'resourceId', message: 'is required: the id of one resource' }] });
      }
      const limit = readLimit(request.query.get('limit'));
      const token = request.query.get('continuationToken');
      let after: { createdDate: string; id: string } | undefined;
      if (token !== null) {
        const position = decodeContinuationToken(token, ['resourceId', 'createdDate', 'id']);
        if (position.resourceId !== resourceId) {
          throw new HttpProblem('validation', { errors: [{ path: 'continuationToken', message: 'is not a continuation token of this query' }] });
        }
        after = { createdDate: position.createdDate, id: position.id };
      }
      const page = await deps.store.listForResource(context.trace, resourceId, limit, after);
      const headers: Record<string, string> = {};
      if (page.next !== undefined) headers['X-Continuation-Token'] = encodeContinuationToken({ resourceId, ...page.next });
      return jsonResponse(200, page.records, headers);
    },
  };
}

function readLimit(raw: string | null): number {
  if (raw === null) return MAX_AUDIT_PAGE;
  const limit = Number(raw);
  if (!/^\d{1,4}$/.test(raw) || limit < 1 || limit > MAX_AUDIT_PAGE) {
    throw new HttpProblem('validation', { errors: [{ path: 'limit', message: `must be an integer from 1 to ${MAX_AUDIT_PAGE}` }] });
  }
  return limit;
}
