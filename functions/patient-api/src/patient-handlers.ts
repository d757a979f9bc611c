import { decodeContinuationToken, encodeContinuationToken } from '../../shared/src/continuation-token';
import { formatEtag, parseIfMatch } from '../../shared/src/etag';
import type { EndpointHandler } from '../../shared/src/http-endpoint';
import { readJsonBody } from '../../shared/src/json-body';
import { jsonResponse, noContentResponse } from '../../shared/src/json-response';
import { partialDateRange } from '../../shared/src/partial-date';
import { HttpProblem } from '../../shared/src/problem';
import type { PatientApiDeps } from './handler-deps';
import { runIdempotentPost } from './idempotent-post';
import { pickPatientFields, PATIENT_STRING_FIELDS, type Patient, type PatientSearch } from './model';
import type { PatientCriteria } from './patient-store';
import { pathId, rejectServerSetFields, requireSameId } from './request-guards';
import { hmacSha256Hex, stableStringify } from './stable-json';

export const DEFAULT_SEARCH_LIMIT = 50;

export interface PatientHandlers {
  createPatient: EndpointHandler;
  loadPatient: EndpointHandler;
  updatePatient: EndpointHandler;
  deletePatient: EndpointHandler;
  searchPatients: EndpointHandler;
}

/**
 * Patients. Each handler validates what it can without data, then records the access in
 * the audit register, and only then reads or writes.
 */
export function createPatientHandlers(deps: PatientApiDeps): PatientHandlers {
  return {
    async createPatient(request, context) {
      const body = await readJsonBody(request);
      rejectServerSetFields(body);
      const fields = pickPatientFields(deps.validator.check<Record<string, unknown>>('PatientCreate', body));
      return runIdempotentPost(
        { idempotency: deps.idempotency, audit: deps.audit, clock: deps.clock, waitForFirstMs: deps.idempotencyWaitMs },
        request,
        context,
        { operation: 'createPatient', routeKey: 'patient' },
        body,
        {
          async create() {
            const id = deps.newId();
            await deps.audit.record(context, { type: 'patient', id, operation: 'create' });
            // The order a load answers with, so a replay's body is the same text as the first response's.
            const patient: Patient = { id, lastUpdated: deps.clock.now().toISOString(), ...fields };
            const version = deps.newId();
            await deps.patients.insert(context.trace, patient, version);
            return { ref: { type: 'patient', patientId: id, id }, body: patient, version };
          },
          async replay(ref) {
            // A repeat reads the patient the first request made: audited as that, under that patient.
            await deps.audit.record(context, { type: 'patient', id: ref.id, operation: 'replay' });
            const found = await deps.patients.get(context.trace, ref.id);
            return found && { body: found.resource, version: found.version };
          },
        },
      );
    },

    async loadPatient(request, context) {
      const id = pathId(request, 'patientId', 'read');
      await deps.audit.record(context, { type: 'patient', id, operation: 'read' });
      const found = await deps.patients.get(context.trace, id);
      if (found === undefined) throw new HttpProblem('notFound');
      return jsonResponse(200, found.resource, { ETag: formatEtag(found.version) });
    },

    async updatePatient(request, context) {
      const id = pathId(request, 'patientId', 'write');
      const body = deps.validator.check<Record<string, unknown>>('PatientUpdate', await readJsonBody(request));
      requireSameId(body.id as string | undefined, id, 'id');
      const condition = parseIfMatch(request.headers.get('if-match'));
      await deps.audit.record(context, { type: 'patient', id, operation: 'update' });
      const outcome = await deps.patients.replace(context.trace, id, pickPatientFields(body), deps.clock.now().toISOString(), condition, deps.newId());
      if (outcome.kind === 'not-found') throw new HttpProblem('notFound');
      if (outcome.kind === 'precondition-failed') throw new HttpProblem('preconditionFailed');
      return jsonResponse(200, outcome.value.resource, { ETag: formatEtag(outcome.value.version) });
    },

    async deletePatient(request, context) {
      const id = pathId(request, 'patientId', 'write');
      const condition = parseIfMatch(request.headers.get('if-match'));
      await deps.audit.record(context, { type: 'patient', id, operation: 'delete' });
      const outcome = await deps.patients.remove(context.trace, id, condition);
      if (outcome.kind === 'not-found') throw new HttpProblem('notFound');
      if (outcome.kind === 'precondition-failed') throw new HttpProblem('preconditionFailed');
      // The patient is gone first, so its tests are unreachable even if erasing them is interrupted; both are retried safely.
      await deps.tests.removeAllOf(context.trace, id);
      await deps.idempotency.removeAllOf(context.trace, id);
      return noContentResponse();
    },

    async searchPatients(request, context) {
      const search = deps.validator.check<PatientSearch>('PatientSearch', await readJsonBody(request));
      const { criteria, audited } = toCriteria(search, deps.searchHashKey());
      const limit = search.limit ?? DEFAULT_SEARCH_LIMIT;
      const queryHash = audited.hmac.slice(0, 32);
      let afterId: string | undefined;
      if (search.continuationToken !== undefined) {
        const position = decodeContinuationToken(search.continuationToken, ['query', 'after']);
        if (position.query !== queryHash || !/^[0-9a-f-]{36}$/.test(position.after)) {
          throw new HttpProblem('validation', { errors: [{ path: '/continuationToken', message: 'is not a continuation token of this query' }] });
        }
        afterId = position.after;
      }
      await deps.audit.record(context, { type: 'patient-search', id: `fields=${audited.fields.join(',')};hmac=${audited.hmac}`, operation: 'search' });
      const page = await deps.patients.search(context.trace, criteria, limit, afterId);
      // Before anything leaves: each returned patient's own trail shows this search (same trace id). Fails closed.
      if (page.patients.length > 0) await deps.audit.recordAll(context, page.patients.map((patient) => ({ type: 'patient', id: patient.id, operation: 'disclose' })));
      const headers: Record<string, string> = {};
      if (page.more && page.lastId !== undefined) headers['X-Continuation-Token'] = encodeContinuationToken({ query: queryHash, after: page.lastId });
      return jsonResponse(200, page.patients, headers);
    },
  };
}

const SEARCH_FIELDS = [...PATIENT_STRING_FIELDS, 'id', 'dateOfBirthFrom', 'dateOfBirthTo'] as const;

/** The database filter and what the audit row may say about it: field names and a keyed hash of the values. */
function toCriteria(search: PatientSearch, hashKey: string): { criteria: PatientCriteria; audited: { fields: string[]; hmac: string } } {
  const criteria: PatientCriteria = { equals: {} };
  const given: Record<string, string> = {};
  for (const field of SEARCH_FIELDS) {
    const value = search[field];
    if (value === undefined) continue;
    given[field] = value;
    if (field === 'dateOfBirthFrom' || field === 'dateOfBirthTo') continue;
    criteria.equals[field] = field === 'id' ? value.toLowerCase() : value;
  }
  const from = search.dateOfBirthFrom === undefined ? undefined : partialDateRange(search.dateOfBirthFrom);
  const to = search.dateOfBirthTo === undefined ? undefined : partialDateRange(search.dateOfBirthTo);
  if (from !== undefined && to !== undefined && from.first > to.last) {
    throw new HttpProblem('validation', { errors: [{ path: '/dateOfBirthFrom', message: 'must not be after dateOfBirthTo' }] });
  }
  if (from !== undefined) criteria.dateOfBirthFrom = from.first;
  if (to !== undefined) criteria.dateOfBirthTo = to.last;
  const fields = Object.keys(given).sort();
  return { criteria, audited: { fields, hmac: hmacSha256Hex(hashKey, stableStringify(given)) } };
}
