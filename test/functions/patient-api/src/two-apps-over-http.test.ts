import { expect } from 'chai';
import { AUDIT_DATABASE, PATIENTS_DATABASE } from '../../../../contracts/collections';
import { createAuditApiApp, type AuditApiApp } from '../../../../functions/audit-api/src/app';
import { createPatientApiApp, type PatientApiApp } from '../../../../functions/patient-api/src/app';
import { serveRoutes, type TestServer } from '../../support/audit-server';
import { RecordingLog, RecordingTelemetry } from '../../support/fakes';
import { callRoute } from '../../support/http';
import { startTwinFixture, type TwinFixture } from '../../support/mongo-twin';
import { ADA } from '../../support/patient-api-harness';
import { expectProblem } from '../../support/problems';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;

interface AuditRow {
  id: string;
  createdDate: string;
  sourceSystemName: string;
  resource: { type: string; id: string; operation: string };
  caller?: { subscriptionId?: string; clientIp?: string };
  traceId?: string;
}

/** The Patient API calling a real Audit API over HTTP on loopback, both on the twin. */
describe('Patient API and Audit API over real HTTP', () => {
  let fixture: TwinFixture;
  let auditApi: AuditApiApp;
  let server: TestServer;
  let patientApi: PatientApiApp;
  const gateway = { 'x-apim-subscription-id': 'sub-compliance', 'x-apim-client-ip': '198.51.100.23', 'x-apim-request-id': '0c9a4f5e-2b61-4d3a-8e17-5f4b9c2d7a60' };

  before(async () => {
    fixture = await startTwinFixture();
    await fixture.prepare(AUDIT_DATABASE, 'audit');
    await fixture.prepare(PATIENTS_DATABASE, 'patients');
    const auditSettings: Record<string, string> = { AUDIT_DB_CONNECTION: fixture.uri, AUDIT_DB_NAME: 'audit' };
    auditApi = createAuditApiApp((name) => auditSettings[name], { telemetry: new RecordingTelemetry(), log: new RecordingLog() });
    server = await serveRoutes(auditApi.routes, () => 'audit-host-key');
    const patientSettings: Record<string, string> = {
      AUDIT_API_URL: server.baseUrl,
      AUDIT_API_KEY: 'audit-host-key',
      SEARCH_HASH_KEY: 'h',
      PATIENTS_DB_CONNECTION: fixture.uri,
      PATIENTS_DB_NAME: 'patients',
      SOURCE_SYSTEM_NAME: 'patient-api-test',
    };
    patientApi = createPatientApiApp((name) => patientSettings[name], { telemetry: new RecordingTelemetry(), log: new RecordingLog() });
  });
  after(async () => {
    await patientApi.close();
    await server.close();
    await auditApi.close();
    await fixture.close();
  });

  it('carries the incoming trace id to the audit call and into the stored audit row', async () => {
    const created = await callRoute(patientApi.routes, 'createPatient', { body: ADA, headers: { ...gateway, traceparent: TRACEPARENT } });
    expect(created.status).to.equal(201);
    const auditRequest = server.received[server.received.length - 1];
    const sentTraceparent = String(auditRequest.headers.traceparent);
    expect(sentTraceparent).to.match(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(sentTraceparent).to.not.include('b7ad6b7169203331');
    const rows = await fixture.db('audit').collection('audits').find({ 'resource.operation': 'create' }).toArray();
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ traceId: TRACE_ID, sourceSystemName: 'patient-api-test', resourceId: (created.json as { id: string }).id });
    // Beside the trace id (which a client may choose): API Management's own request id, which it cannot.
    expect(rows[0].caller).to.deep.equal({ subscriptionId: 'sub-compliance', clientIp: '198.51.100.23', requestId: '0c9a4f5e-2b61-4d3a-8e17-5f4b9c2d7a60' });
  });

  it('uses the Functions host trace context when the request has no traceparent header', async () => {
    const hostTrace = '00-11112222333344445555666677778888-1111222233334444-01';
    await callRoute(patientApi.routes, 'searchPatients', { body: { lastName: 'Lovelace' }, traceParent: hostTrace });
    const rows = await fixture.db('audit').collection('audits').find({ 'resource.operation': 'search' }).toArray();
    expect(rows.map((row) => row.traceId as string)).to.include('11112222333344445555666677778888');
  });

  it('answers "who accessed this record" from the register, oldest first, the searches that returned it and the read itself included, no personal data', async () => {
    const created = await callRoute(patientApi.routes, 'createPatient', { body: { ...ADA, firstName: 'Grace', insuranceNumber: 'INS-123' }, headers: gateway });
    const patientId = (created.json as { id: string }).id;
    await callRoute(patientApi.routes, 'loadPatient', { params: { patientId }, headers: gateway });
    const test = await callRoute(patientApi.routes, 'createTestResult', { params: { patientId }, body: { observations: [{ code: 'x' }] }, headers: gateway });
    await callRoute(patientApi.routes, 'searchPatients', { body: { firstName: 'Grace', insuranceNumber: 'INS-123' }, headers: gateway });
    const trail = await callRoute(patientApi.routes, 'listPatientAudit', { params: { patientId }, headers: gateway });
    expect(trail.status).to.equal(200);
    const rows = trail.json as AuditRow[];
    expect(rows.map((row) => [row.resource.type, row.resource.operation])).to.deep.equal([
      ['patient', 'create'],
      ['patient', 'read'],
      ['test-result', 'create'],
      ['patient', 'disclose'],
      ['patient', 'read-audit'],
    ]);
    expect(rows[2].resource.id).to.equal(`${patientId}/tests/${(test.json as { id: string }).id}`);
    expect(rows.every((row) => row.caller?.subscriptionId === 'sub-compliance')).to.equal(true);
    const register = JSON.stringify(await fixture.db('audit').collection('audits').find().toArray());
    for (const personal of ['Grace', 'Lovelace', 'INS-123', '1815-12-10', 'W1 1AA']) expect(register).to.not.include(personal);
  });

  it('keeps the audit trail readable after the patient is erased, and answers 404 for a malformed id', async () => {
    const created = await callRoute(patientApi.routes, 'createPatient', { body: ADA });
    const patientId = (created.json as { id: string }).id;
    expect((await callRoute(patientApi.routes, 'deletePatient', { params: { patientId } })).status).to.equal(204);
    const trail = await callRoute(patientApi.routes, 'listPatientAudit', { params: { patientId } });
    expect((trail.json as AuditRow[]).map((row) => row.resource.operation)).to.deep.equal(['create', 'delete', 'read-audit']);
    expectProblem(await callRoute(patientApi.routes, 'listPatientAudit', { params: { patientId: 'nope' } }), 404, 'not-found');
    expectProblem(await callRoute(patientApi.routes, 'listPatientAudit', { params: { patientId }, query: { continuationToken: 'bm90LWEtdG9rZW4' } }), 400, 'validation');
  });
});
