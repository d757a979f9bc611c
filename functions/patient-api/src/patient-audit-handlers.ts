import type { EndpointHandler } from '../../shared/src/http-endpoint';
import { jsonResponse } from '../../shared/src/json-response';
import type { PatientApiDeps } from './handler-deps';
import { pathId, queryToken } from './request-guards';

export interface PatientAuditHandlers {
  listPatientAudit: EndpointHandler;
}

/**
 * "Who accessed this record": the patient's audit trail, its test results included. The
 * read is recorded first, so it appears in its own answer. It does not require the patient
 * to still exist: the trail of an erased record stays readable.
 */
export function createPatientAuditHandlers(deps: Pick<PatientApiDeps, 'audit'>): PatientAuditHandlers {
  return {
    async listPatientAudit(request, context) {
      const patientId = pathId(request, 'patientId', 'read');
      const token = queryToken(request);
      await deps.audit.record(context, { type: 'patient', id: patientId, operation: 'read-audit' });
      const page = await deps.audit.listForResource(context, patientId, token);
      const headers: Record<string, string> = {};
      if (page.continuationToken !== undefined) headers['X-Continuation-Token'] = page.continuationToken;
      return jsonResponse(200, page.records, headers);
    },
  };
}
