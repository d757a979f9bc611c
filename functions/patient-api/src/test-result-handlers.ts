import { decodeContinuationToken, encodeContinuationToken } from '../../shared/src/continuation-token';
import { formatEtag, parseIfMatch } from '../../shared/src/etag';
import type { EndpointHandler, RequestContext } from '../../shared/src/http-endpoint';
import { readJsonBody } from '../../shared/src/json-body';
import { jsonResponse, noContentResponse } from '../../shared/src/json-response';
import { HttpProblem } from '../../shared/src/problem';
import type { PatientApiDeps } from './handler-deps';
import { runIdempotentPost } from './idempotent-post';
import { pickTestResultFields, type TestResult, type TestResultFields } from './model';
import { pathId, queryToken, rejectServerSetFields, requireSameId } from './request-guards';

export const TEST_RESULT_PAGE = 1000;

export interface TestResultHandlers {
  createTestResult: EndpointHandler;
  listTestResults: EndpointHandler;
  loadTestResult: EndpointHandler;
  updateTestResult: EndpointHandler;
  deleteTestResult: EndpointHandler;
}

type TestResultBody = TestResultFields & { patientId?: string; id?: string };

/**
 * A patient's test results. Audited under `<patientId>/tests[/<testId>]`, so the
 * patient's audit trail shows them; a missing patient is a 404 on every route.
 */
export function createTestResultHandlers(deps: PatientApiDeps): TestResultHandlers {
  async function requirePatient(context: RequestContext, patientId: string): Promise<void> {
    if (!(await deps.patients.exists(context.trace, patientId))) throw new HttpProblem('notFound', { detail: 'No such patient.' });
  }

  return {
    async createTestResult(request, context) {
      const patientId = pathId(request, 'patientId', 'write');
      const body = await readJsonBody(request);
      rejectServerSetFields(body);
      const input = deps.validator.check<TestResultBody>('TestResultCreate', body);
      requireSameId(input.patientId, patientId, 'patientId');
      return runIdempotentPost(
        { idempotency: deps.idempotency, audit: deps.audit, clock: deps.clock, waitForFirstMs: deps.idempotencyWaitMs },
        request,
        context,
        { operation: 'createTestResult', routeKey: patientId },
        body,
        {
          async create() {
            const id = deps.newId();
            await deps.audit.record(context, { type: 'test-result', id: `${patientId}/tests/${id}`, operation: 'create' });
            await requirePatient(context, patientId);
            const result: TestResult = { id, patientId, lastUpdated: deps.clock.now().toISOString(), ...pickTestResultFields(input) };
            const version = deps.newId();
            await deps.tests.insert(context.trace, result, version);
            return { ref: { type: 'test-result', patientId, id }, body: result, version };
          },
          async replay(ref) {
            await deps.audit.record(context, { type: 'test-result', id: `${ref.patientId}/tests/${ref.id}`, operation: 'replay' });
            const found = await deps.tests.get(context.trace, ref.patientId, ref.id);
            return found && { body: found.resource, version: found.version };
          },
        },
      );
    },

    async listTestResults(request, context) {
      const patientId = pathId(request, 'patientId', 'read');
      const token = queryToken(request);
      let after: { created: string; id: string } | undefined;
      if (token !== undefined) {
        const position = decodeContinuationToken(token, ['patientId', 'created', 'id']);
        if (position.patientId !== patientId) {
          throw new HttpProblem('validation', { errors: [{ path: 'continuationToken', message: 'is not a continuation token of this query' }] });
        }
        after = { created: position.created, id: position.id };
      }
      await deps.audit.record(context, { type: 'test-result', id: `${patientId}/tests`, operation: 'list' });
      await requirePatient(context, patientId);
      const page = await deps.tests.list(context.trace, patientId, TEST_RESULT_PAGE, after);
      const headers: Record<string, string> = {};
      if (page.next !== undefined) headers['X-Continuation-Token'] = encodeContinuationToken({ patientId, ...page.next });
      return jsonResponse(200, page.results, headers);
    },

    async loadTestResult(request, context) {
      const patientId = pathId(request, 'patientId', 'read');
      const testId = pathId(request, 'testId', 'read');
      await deps.audit.record(context, { type: 'test-result', id: `${patientId}/tests/${testId}`, operation: 'read' });
      await requirePatient(context, patientId);
      const found = await deps.tests.get(context.trace, patientId, testId);
      if (found === undefined) throw new HttpProblem('notFound');
      return jsonResponse(200, found.resource, { ETag: formatEtag(found.version) });
    },

    async updateTestResult(request, context) {
      const patientId = pathId(request, 'patientId', 'write');
      const testId = pathId(request, 'testId', 'write');
      const input = deps.validator.check<TestResultBody>('TestResultUpdate', await readJsonBody(request));
      requireSameId(input.patientId, patientId, 'patientId');
      requireSameId(input.id, testId, 'id');
      const condition = parseIfMatch(request.headers.get('if-match'));
      await deps.audit.record(context, { type: 'test-result', id: `${patientId}/tests/${testId}`, operation: 'update' });
      await requirePatient(context, patientId);
      const result: TestResult = { id: testId, patientId, lastUpdated: deps.clock.now().toISOString(), ...pickTestResultFields(input) };
      const outcome = await deps.tests.replace(context.trace, result, condition, deps.newId());
      if (outcome.kind === 'not-found') throw new HttpProblem('notFound');
      if (outcome.kind === 'precondition-failed') throw new HttpProblem('preconditionFailed');
      return jsonResponse(200, outcome.value.resource, { ETag: formatEtag(outcome.value.version) });
    },

    async deleteTestResult(request, context) {
      const patientId = pathId(request, 'patientId', 'write');
      const testId = pathId(request, 'testId', 'write');
      const condition = parseIfMatch(request.headers.get('if-match'));
      await deps.audit.record(context, { type: 'test-result', id: `${patientId}/tests/${testId}`, operation: 'delete' });
      await requirePatient(context, patientId);
      const outcome = await deps.tests.remove(context.trace, patientId, testId, condition);
      if (outcome.kind === 'not-found') throw new HttpProblem('notFound');
      if (outcome.kind === 'precondition-failed') throw new HttpProblem('preconditionFailed');
      return noContentResponse();
    },
  };
}
