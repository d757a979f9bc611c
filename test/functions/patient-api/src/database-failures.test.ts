import { expect } from 'chai';
import { createPatientApiApp } from '../../../../functions/patient-api/src/app';
import { callRoute } from '../../support/http';
import { FakeClock, RecordingLog, RecordingTelemetry } from '../../support/fakes';
import { startTwinFixture, type TwinFixture } from '../../support/mongo-twin';
import { ADA, patientHarness } from '../../support/patient-api-harness';
import { expectProblem } from '../../support/problems';

describe('Patient API: database failures', () => {
  let fixture: TwinFixture;

  before(async () => {
    fixture = await startTwinFixture();
  });
  after(async () => {
    await fixture.close();
  });
  afterEach(() => {
    fixture.twin.faults.clear();
  });

  it('answers 503 with a problem document when the database is down, after auditing', async () => {
    const settings: Record<string, string> = { AUDIT_API_URL: 'http://127.0.0.1:9/api', AUDIT_API_KEY: 'k', SEARCH_HASH_KEY: 'h', PATIENTS_DB_CONNECTION: 'mongodb://127.0.0.1:1/?directConnection=true' };
    const h = await patientHarness(fixture);
    const app = createPatientApiApp((name) => settings[name], {
      telemetry: h.telemetry,
      log: new RecordingLog(),
      auditClient: h.audit,
      mongoClientOptions: { serverSelectionTimeoutMS: 150 },
    });
    const response = await callRoute(app.routes, 'loadPatient', { params: { patientId: '11111111-1111-4111-8111-111111111111' } });
    expectProblem(response, 503, 'database-unavailable');
    expect(h.audit.calls).to.have.length(1);
    await app.close();
    await h.close();
  });

  it('answers 503, not 500, when the database is shutting down (91) or its connection pool was cleared', async () => {
    const h = await patientHarness(fixture);
    await callRoute(h.routes, 'searchPatients', { body: { lastName: 'warm-up' } });
    fixture.twin.faults.add({ kind: 'error', code: 91, message: 'ShutdownInProgress', db: h.dbName, collection: 'patients', command: 'insert', times: 1 });
    expectProblem(await callRoute(h.routes, 'createPatient', { body: ADA }), 503, 'database-unavailable');
    // Concurrent reads on a dropped connection: one sees the network error, the others the cleared pool.
    fixture.twin.faults.add({ kind: 'drop', db: h.dbName, collection: 'patients', command: 'find' });
    const concurrent = await Promise.all(
      Array.from({ length: 6 }, () => callRoute(h.routes, 'loadPatient', { params: { patientId: '11111111-1111-4111-8111-111111111111' } })),
    );
    for (const response of concurrent) expectProblem(response, 503, 'database-unavailable');
    fixture.twin.faults.clear();
    expect(await h.db.collection('patients').countDocuments()).to.equal(0);
    await h.close();
  });

  it('retries a throttled read (RetryAfterMs honoured), each attempt visible in telemetry', async () => {
    const h = await patientHarness(fixture);
    const created = await callRoute(h.routes, 'createPatient', { body: ADA });
    const patientId = (created.json as { id: string }).id;
    fixture.twin.faults.add({ kind: 'throttle', retryAfterMs: 25, db: h.dbName, collection: 'patients', command: 'find', times: 2 });
    const before = h.telemetry.mongoCalls().length;
    const response = await callRoute(h.routes, 'loadPatient', { params: { patientId } });
    expect(response.status).to.equal(200);
    expect(h.clock.sleeps).to.deep.equal([25, 25]);
    expect(h.telemetry.mongoCalls().slice(before).map((call) => [call.name, call.attempt, call.resultCode])).to.deep.equal([
      ['patients.findOne', 1, '16500'],
      ['patients.findOne', 2, '16500'],
      ['patients.findOne', 3, '0'],
    ]);
    await h.close();
  });

  it('does not retry a throttled create: 503 with Retry-After, nothing written, the key free for a retry', async () => {
    const h = await patientHarness(fixture);
    await callRoute(h.routes, 'searchPatients', { body: { lastName: 'warm-up' } });
    fixture.twin.faults.add({ kind: 'throttle', retryAfterMs: 2500, db: h.dbName, collection: 'patients', command: 'insert', times: 1 });
    const response = await callRoute(h.routes, 'createPatient', { body: ADA, headers: { 'idempotency-key': 'retry-me' } });
    expectProblem(response, 503, 'database-throttled');
    expect(response.headers.get('retry-after')).to.equal('3');
    expect(await h.db.collection('patients').countDocuments()).to.equal(0);
    const retried = await callRoute(h.routes, 'createPatient', { body: ADA, headers: { 'idempotency-key': 'retry-me' } });
    expect(retried.status).to.equal(201);
    expect(await h.db.collection('patients').countDocuments()).to.equal(1);
    await h.close();
  });

  it('answers 503 when a read stays throttled beyond the retry budget', async () => {
    const h = await patientHarness(fixture);
    await callRoute(h.routes, 'searchPatients', { body: { lastName: 'warm-up' } });
    fixture.twin.faults.add({ kind: 'throttle', retryAfterMs: 10, db: h.dbName, collection: 'patients', command: 'find' });
    expectProblem(await callRoute(h.routes, 'searchPatients', { body: { lastName: 'Lovelace' } }), 503, 'database-throttled');
    expect(h.telemetry.mongoCalls().filter((call) => call.resultCode === '16500')).to.have.length(5);
    await h.close();
  });

  it('logs one line per request without ids, bodies or keys', async () => {
    const log = new RecordingLog();
    const h = await patientHarness(fixture, { log, clock: new FakeClock(), telemetry: new RecordingTelemetry() });
    await callRoute(h.routes, 'createPatient', { body: ADA, headers: { 'x-functions-key': 'secret-key', 'x-apim-subscription-id': 'sub-1' } });
    await callRoute(h.routes, 'loadPatient', { params: { patientId: 'nope' } });
    expect(log.entries.map((entry) => [entry.operation, entry.route, entry.status])).to.deep.equal([
      ['createPatient', 'patient', 201],
      ['loadPatient', 'patient/{patientId}', 404],
    ]);
    const text = JSON.stringify(log.entries);
    for (const secret of ['secret-key', 'sub-1', 'Lovelace', 'nope']) expect(text).to.not.include(secret);
    await h.close();
  });
});
