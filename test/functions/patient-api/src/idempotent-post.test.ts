import { expect } from 'chai';
import { sha256Hex, stableStringify } from '../../../../functions/patient-api/src/stable-json';
import { callRoute } from '../../support/http';
import { startTwinFixture, type TwinFixture } from '../../support/mongo-twin';
import { ADA, patientHarness, type PatientHarness } from '../../support/patient-api-harness';
import { expectProblem } from '../../support/problems';

describe('Patient API: Idempotency-Key on POST', () => {
  let fixture: TwinFixture;
  let h: PatientHarness;

  before(async () => {
    fixture = await startTwinFixture();
  });
  after(async () => {
    await fixture.close();
  });
  beforeEach(async () => {
    h = await patientHarness(fixture);
  });
  afterEach(async () => {
    await h.close();
  });

  const post = (key: string, body: unknown = ADA, subscription = 'sub-1') =>
    callRoute(h.routes, 'createPatient', { body, headers: { 'idempotency-key': key, 'x-apim-subscription-id': subscription } });

  it('replays the first response (status, body, ETag) instead of creating a duplicate', async () => {
    const first = await post('key-1');
    h.clock.advance(1000);
    const again = await post('key-1');
    expect(first.status).to.equal(201);
    expect(again.status).to.equal(201);
    expect(again.json).to.deep.equal(first.json);
    expect(again.headers.get('etag')).to.equal(first.headers.get('etag'));
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect(await h.db.collection('patients').countDocuments()).to.equal(1);
  });

  it('replays the patient as it is now, audited as a replay of that patient: never the data of before an update', async () => {
    const first = await post('key-then-update');
    const created = first.json as { id: string; postCode: string };
    const update = await callRoute(h.routes, 'updatePatient', { params: { patientId: created.id }, body: { ...ADA, postCode: 'NEW 1AA' } });
    expect(update.status).to.equal(200);
    const auditsBefore = h.audit.calls.length;
    const again = await post('key-then-update');
    expect(again.status).to.equal(201);
    expect(again.json).to.deep.include({ id: created.id, postCode: 'NEW 1AA' });
    expect(again.headers.get('etag')).to.equal(update.headers.get('etag'));
    expect(h.audit.calls.slice(auditsBefore).map((call) => [call.resource.type, call.resource.operation, call.resource.id === created.id])).to.deep.equal([
      ['idempotency-key', 'claim', false],
      ['patient', 'replay', true],
    ]);
    // The stored replay is a reference: nothing personal is kept with the key.
    const stored = JSON.stringify(await h.db.collection('idempotency').find().toArray());
    for (const personal of [ADA.firstName, ADA.lastName, ADA.postCode, 'NEW 1AA', ADA.dateOfBirth]) expect(stored).to.not.include(personal);
  });

  it('answers 201 with Location, relative to where the request was addressed', async () => {
    const plain = await callRoute(h.routes, 'createPatient', { body: ADA });
    const id = (plain.json as { id: string }).id;
    expect(plain.headers.get('location')).to.equal(`patient/${id}`);
    expect(new URL(plain.headers.get('location')!, 'https://gateway.example/patient').pathname).to.equal(`/patient/${id}`);
    const replayed = await post('key-location');
    expect((await post('key-location')).headers.get('location')).to.equal(replayed.headers.get('location'));
    const test = await callRoute(h.routes, 'createTestResult', { params: { patientId: id }, body: { observations: [] } });
    const testId = (test.json as { id: string }).id;
    expect(new URL(test.headers.get('location')!, `https://gateway.example/patient/${id}/tests`).pathname).to.equal(`/patient/${id}/tests/${testId}`);
  });

  it('creates one record for concurrent POSTs with one key', async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, () => post('key-concurrent')));
    expect(responses.map((response) => response.status)).to.deep.equal([201, 201, 201, 201, 201, 201]);
    const ids = new Set(responses.map((response) => (response.json as { id: string }).id));
    expect(ids.size).to.equal(1);
    expect(await h.db.collection('patients').countDocuments()).to.equal(1);
  });

  it('forgets a key after a day: the same key then creates a new record', async () => {
    const first = await post('key-old');
    h.clock.advance(24 * 60 * 60 * 1000 + 1);
    const later = await post('key-old');
    expect(later.status).to.equal(201);
    expect(later.headers.get('idempotent-replayed')).to.equal(null);
    expect((later.json as { id: string }).id).to.not.equal((first.json as { id: string }).id);
    expect(await h.db.collection('patients').countDocuments()).to.equal(2);
    expect(await h.db.collection('idempotency').countDocuments()).to.equal(1);
  });

  it('answers 422 when the key is reused with a different body', async () => {
    await post('key-2');
    expectProblem(await post('key-2', { ...ADA, firstName: 'Eve' }), 422, 'idempotency-key-reused');
    expect(await h.db.collection('patients').countDocuments()).to.equal(1);
  });

  it('scopes keys to the caller and the route: other subscriptions or patients create their own', async () => {
    await post('shared-key', ADA, 'sub-1');
    await post('shared-key', ADA, 'sub-2');
    expect(await h.db.collection('patients').countDocuments()).to.equal(2);
  });

  it('does not remember failures: after a 404 the same key can create once the cause is fixed', async () => {
    const missing = '99999999-9999-4999-8999-999999999999';
    const body = { observations: [{ code: 'x' }] };
    const failed = await callRoute(h.routes, 'createTestResult', { params: { patientId: missing }, body, headers: { 'idempotency-key': 'k' } });
    expectProblem(failed, 404, 'not-found');
    expect(await h.db.collection('idempotency').countDocuments()).to.equal(0);
    const patientId = ((await post('p')).json as { id: string }).id;
    const first = await callRoute(h.routes, 'createTestResult', { params: { patientId }, body, headers: { 'idempotency-key': 'k' } });
    const replay = await callRoute(h.routes, 'createTestResult', { params: { patientId }, body, headers: { 'idempotency-key': 'k' } });
    expect(first.status).to.equal(201);
    expect(replay.json).to.deep.equal(first.json);
    expect(await h.db.collection('tests').countDocuments()).to.equal(1);
  });

  it('answers 409 while the first request with the key is still running, and takes over an abandoned one', async () => {
    // The claim a first request holds while it runs, as it is stored.
    const key = sha256Hex(stableStringify(['sub-1', 'createPatient', 'patient', 'slow']));
    await h.db.collection<{ _id: string; [field: string]: unknown }>('idempotency').insertOne({ _id: key, key, requestHash: sha256Hex(stableStringify(ADA)), state: 'pending', createdAt: h.clock.now() });
    expectProblem(await post('slow'), 409, 'idempotency-in-progress');
    expect(await h.db.collection('patients').countDocuments()).to.equal(0);
    h.clock.advance(120_000);
    expect((await post('slow')).status).to.equal(201);
    expect(await h.db.collection('patients').countDocuments()).to.equal(1);
  });

  it('refuses a malformed key, and erases stored replays with the patient', async () => {
    expectProblem(await post('x'.repeat(129)), 400, 'validation');
    const created = await post('erase-me');
    const id = (created.json as { id: string }).id;
    expect(await h.db.collection('idempotency').countDocuments({ patientId: id })).to.equal(1);
    expect((await callRoute(h.routes, 'deletePatient', { params: { patientId: id } })).status).to.equal(204);
    expect(await h.db.collection('idempotency').countDocuments({ patientId: id })).to.equal(0);
  });
});
