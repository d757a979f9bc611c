import type { FunctionRoute } from '../../shared/src/function-route';
import { createEndpoint, type EndpointDeps, type EndpointHandler } from '../../shared/src/http-endpoint';
import type { PatientApiDeps } from './handler-deps';
import { createPatientAuditHandlers } from './patient-audit-handlers';
import { createPatientHandlers } from './patient-handlers';
import { createTestResultHandlers } from './test-result-handlers';

/**
 * The Patient API's one route table: the Functions entry registers it with the host, the
 * local host serves it, and a test holds it against the OpenAPI document. Names are the
 * OpenAPI operationIds; routes are served under `/api`.
 */
export function createPatientRoutes(deps: PatientApiDeps, endpoints: EndpointDeps): FunctionRoute[] {
  const handlers = { ...createPatientHandlers(deps), ...createTestResultHandlers(deps), ...createPatientAuditHandlers(deps) };
  const route = (name: keyof typeof handlers, method: FunctionRoute['methods'][number], template: string): FunctionRoute => ({
    name,
    methods: [method],
    route: template,
    authLevel: 'function',
    handler: createEndpoint(endpoints, { operation: name, route: template }, handlers[name] satisfies EndpointHandler),
  });
  return [
    route('createPatient', 'POST', 'patient'),
    route('searchPatients', 'POST', 'patient/search'),
    route('loadPatient', 'GET', 'patient/{patientId}'),
    route('updatePatient', 'PUT', 'patient/{patientId}'),
    route('deletePatient', 'DELETE', 'patient/{patientId}'),
    route('listTestResults', 'GET', 'patient/{patientId}/tests'),
    route('createTestResult', 'POST', 'patient/{patientId}/tests'),
    route('loadTestResult', 'GET', 'patient/{patientId}/tests/{testId}'),
    route('updateTestResult', 'PUT', 'patient/{patientId}/tests/{testId}'),
    route('deleteTestResult', 'DELETE', 'patient/{patientId}/tests/{testId}'),
    route('listPatientAudit', 'GET', 'patient/{patientId}/audit'),
  ];
}
