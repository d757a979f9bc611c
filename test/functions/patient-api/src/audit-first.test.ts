import { expect } from 'chai';
import { createPatientApiApp, type PatientApiApp } from '../../../../functions/patient-api/src/app';
import { scriptedServer } from '../../support/audit-server';
import { FakeClock, RecordingLog, RecordingTelemetry } from '../../support/fakes';
import { callRoute, type CallOptions } from '../../support/http';
import { startTwinFixture, type TwinFixture } from '../../support/mongo-twin';
import { ADA, patientHarness } from '../../support/patient-api-harness';
import { expectProblem } from '../../support/problems';

/**
 * Fail closed: when the audit register cannot record an access, no data is read or
 * written. Checked per route against real HTTP failures, by reading the database after.
 */
describe('Patient API: the audit comes first', () => {
  let fixture: TwinFixture;
  let dbName: string;
  let patientId: string;
  let testId: string;
  let snapshot: unknown[];

  before(async () => {
    fixture = await startTwinFixture();
    const seed = await patientHarness(fixture);
    dbName = seed.dbName;
    const created = await callRoute(seed.routes, 'createPatient', { body: ADA });
    patientId = (created.json as { id: string }).id;
    const test = await callRoute(seed.routes, 'createTestResult', { params: { patientId }, body: { observations: [{ code: 'x' }] } });
    testId = (test.json as { id: string }).id;
    await seed.close();
    snapshot = await everything();
  });
  after(async () => {
    await fixture.close();
  });

  async function everything(): Promise<unknown[]> {
    const db = fixture.db(dbName);
    return [await db.collection('patients').find().toArray(), await db.collection('tests').find().toArray(), await db.collection('idempotency').find().toArray()];
  }

  const calls = (): [string, CallOptions][] => [
    ['createPatient', { body: ADA, headers: { 'idempotency-key': 'k1' } }],
    ['searchPatients', { body: { lastName: 'Lovelace' } }],
    ['loadPatient', { params: { patientId } }],
    ['updatePatient', { params: { patientId }, body: { ...ADA, postCode: 'CHANGED' } }],
    ['deletePatient', { params: { patientId } }],
    ['listTestResults', { params: { patientId } }],
    ['createTestResult', { params: { patientId }, body: { observations: [] }, headers: { 'idempotency-key': 'k2' } }],
    ['loadTestResult', { params: { patientId, testId } }],
    ['updateTestResult', { params: { patientId, testId }, body: { observations: [] } }],
    ['deleteTestResult', { params: { patientId, testId } }],
    ['listPatientAudit', { params: { patientId } }],
  ];

  function appAgainst(auditUrl: string, extra: Record<string, string> = {}): { app: PatientApiApp; telemetry: RecordingTelemetry } {
    const settings: Record<string, string> = {
      AUDIT_API_URL: auditUrl,
      AUDIT_API_KEY: 'audit-key',
      SEARCH_HASH_KEY: 'h',
      AUDIT_TIMEOUT_MS: '150',
      PATIENTS_DB_CONNECTION: fixture.uri,
      PATIENTS_DB_NAME: dbName,
      ...extra,
    };
    const telemetry = new RecordingTelemetry();
    return { app: createPatientApiApp((name) => settings[name], { telemetry, log: new RecordingLog(), clock: new FakeClock() }), telemetry };
  }

  async function expectEveryRouteFails(app: PatientApiApp, status: number, slug: string, telemetry: RecordingTelemetry): Promise<void> {
    for (const [name, options] of calls()) {
      const response = await callRoute(app.routes, name, options);
      expectProblem(response, status, slug);
    }
    expect(telemetry.mongoCalls(), 'database calls').to.deep.equal([]);
    expect(await everything()).to.deep.equal(snapshot);
  }

  it('audit register answers 500: every route answers 502 and the database is untouched', async () => {
    const server = await scriptedServer((_req, res) => res.writeHead(500).end('{"boom":true}'));
    const { app, telemetry } = appAgainst(server.baseUrl);
    await expectEveryRouteFails(app, 502, 'audit-rejected', telemetry);
    expect(server.received).to.have.length(calls().length);
    await app.close();
    await server.close();
  });

  it('audit register answers a non-2xx like 401 (wrong key): 502, nothing touched', async () => {
    const server = await scriptedServer((_req, res) => res.writeHead(401).end());
    const { app, telemetry } = appAgainst(server.baseUrl);
    await expectEveryRouteFails(app, 502, 'audit-rejected', telemetry);
    await app.close();
    await server.close();
  });

  it('audit register too slow: every route answers 504 after AUDIT_TIMEOUT_MS and the database is untouched', async () => {
    const server = await scriptedServer(() => undefined);
    const { app, telemetry } = appAgainst(server.baseUrl);
    const started = performance.now();
    await expectEveryRouteFails(app, 504, 'audit-timeout', telemetry);
    expect(performance.now() - started).to.be.below(calls().length * 1000);
    expect(server.received).to.have.length(calls().length);
    await app.close();
    await server.close();
  });

  it('audit register unreachable (connection refused): 503, nothing touched', async () => {
    const server = await scriptedServer((_req, res) => res.end());
    const closedUrl = server.baseUrl;
    await server.close();
    const { app, telemetry } = appAgainst(closedUrl);
    await expectEveryRouteFails(app, 503, 'audit-unavailable', telemetry);
    await app.close();
  });

  it('reads the audit key at call time: a rotated key is used at once, a vanished one fails closed', async () => {
    const server = await scriptedServer((_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{}'));
    const settings: Record<string, string | undefined> = {
      AUDIT_API_URL: server.baseUrl,
      AUDIT_API_KEY: 'key-a',
      SEARCH_HASH_KEY: 'h',
      PATIENTS_DB_CONNECTION: fixture.uri,
      PATIENTS_DB_NAME: dbName,
    };
    const telemetry = new RecordingTelemetry();
    const app = createPatientApiApp((name) => settings[name], { telemetry, log: new RecordingLog() });
    await callRoute(app.routes, 'loadPatient', { params: { patientId } });
    settings.AUDIT_API_KEY = 'key-b';
    await callRoute(app.routes, 'loadPatient', { params: { patientId } });
    expect(server.received.map((request) => request.headers['x-functions-key'])).to.deep.equal(['key-a', 'key-b']);
    settings.AUDIT_API_KEY = undefined;
    const databaseCalls = telemetry.mongoCalls().length;
    expectProblem(await callRoute(app.routes, 'loadPatient', { params: { patientId } }), 503, 'audit-unavailable');
    expect(telemetry.mongoCalls().length).to.equal(databaseCalls);
    expect(server.received).to.have.length(2);
    await app.close();
    await server.close();
  });
});
