import { expect } from 'chai';
import { callRoute } from '../../support/http';
import { startTwinFixture, type TwinFixture } from '../../support/mongo-twin';
import { ADA, patientHarness, type PatientHarness } from '../../support/patient-api-harness';
import { expectProblem } from '../../support/problems';

interface TestResult {
  id: string;
  patientId: string;
  lastUpdated: string;
  performer?: string;
  observations: { code: string }[];
}
const MISSING = '99999999-9999-4999-8999-999999999999';
const RESULT = { performer: 'Lab 1', orderReference: 'ORD-1', observations: [{ id: 'o1', code: 'HbA1c', measurement: '48 mmol/mol', issued: '2026-01-10T09:00:00Z', status: 'final' }] };

describe('Patient API: test results', () => {
  let fixture: TwinFixture;
  let h: PatientHarness;
  let patientId: string;

  before(async () => {
    fixture = await startTwinFixture();
  });
  after(async () => {
    await fixture.close();
  });
  beforeEach(async () => {
    h = await patientHarness(fixture);
    patientId = ((await callRoute(h.routes, 'createPatient', { body: ADA })).json as { id: string }).id;
  });
  afterEach(async () => {
    await h.close();
  });

  async function createResult(body: Record<string, unknown> = RESULT): Promise<{ result: TestResult; etag: string }> {
    const response = await callRoute(h.routes, 'createTestResult', { params: { patientId }, body });
    expect(response.status, response.text).to.equal(201);
    return { result: response.json as TestResult, etag: response.headers.get('etag')! };
  }

  it('creates a test result: 201, server-set id and lastUpdated, patientId from the route, ETag', async () => {
    const { result, etag } = await createResult();
    expect(result).to.deep.equal({ ...RESULT, id: result.id, patientId, lastUpdated: '2026-01-15T10:00:00.000Z' });
    expect(etag).to.match(/^"[0-9a-f-]{36}"$/);
    expect(h.audit.calls[h.audit.calls.length - 1].resource).to.deep.equal({ type: 'test-result', id: `${patientId}/tests/${result.id}`, operation: 'create' });
    expect(await h.db.collection('tests').countDocuments({ patientId })).to.equal(1);
  });

  it('accepts a body that repeats the route patientId, refuses another one', async () => {
    await createResult({ ...RESULT, patientId: patientId.toUpperCase() });
    expectProblem(await callRoute(h.routes, 'createTestResult', { params: { patientId }, body: { ...RESULT, patientId: MISSING } }), 400, 'validation');
  });

  it('refuses invalid results (id/lastUpdated set, unknown fields, >100 observations, bad dates) without writing', async () => {
    const bodies: unknown[] = [
      { ...RESULT, id: MISSING },
      { ...RESULT, lastUpdated: '2026-01-01T00:00:00Z' },
      { ...RESULT, extra: true },
      { observations: null },
      {},
      { observations: Array.from({ length: 101 }, () => ({ code: 'x' })) },
      { observations: [{ code: 'x', issued: 'yesterday' }] },
      { observations: [{ code: { $ne: null } }] },
      { observations: [{ code: 'x', status: 'x'.repeat(65) }] },
    ];
    for (const body of bodies) expectProblem(await callRoute(h.routes, 'createTestResult', { params: { patientId }, body }), 400, 'validation');
    expectProblem(await callRoute(h.routes, 'createTestResult', { params: { patientId: 'bad' }, body: RESULT }), 400, 'validation');
    expect(await h.db.collection('tests').countDocuments()).to.equal(0);
  });

  it('answers 404 on every test route when the patient does not exist', async () => {
    expectProblem(await callRoute(h.routes, 'createTestResult', { params: { patientId: MISSING }, body: RESULT }), 404, 'not-found');
    expectProblem(await callRoute(h.routes, 'listTestResults', { params: { patientId: MISSING } }), 404, 'not-found');
    expectProblem(await callRoute(h.routes, 'loadTestResult', { params: { patientId: MISSING, testId: MISSING } }), 404, 'not-found');
    expectProblem(await callRoute(h.routes, 'updateTestResult', { params: { patientId: MISSING, testId: MISSING }, body: RESULT }), 404, 'not-found');
    expectProblem(await callRoute(h.routes, 'deleteTestResult', { params: { patientId: MISSING, testId: MISSING } }), 404, 'not-found');
    expect(await h.db.collection('tests').countDocuments()).to.equal(0);
  });

  it('lists results in creation order, always an array', async () => {
    const empty = await callRoute(h.routes, 'listTestResults', { params: { patientId } });
    expect(empty.status).to.equal(200);
    expect(empty.json).to.deep.equal([]);
    const first = await createResult({ ...RESULT, performer: 'first' });
    h.clock.advance(1000);
    await createResult({ ...RESULT, performer: 'second', observations: [] });
    const list = await callRoute(h.routes, 'listTestResults', { params: { patientId } });
    expect((list.json as TestResult[]).map((result) => result.performer)).to.deep.equal(['first', 'second']);
    expect((list.json as TestResult[])[1].observations).to.deep.equal([]);
    expect((list.json as TestResult[])[0]).to.deep.equal(first.result);
    expect(list.headers.get('x-continuation-token')).to.equal(null);
  });

  it('loads one result with its ETag; 404 for an unknown or malformed test id, or another patient\'s test', async () => {
    const { result, etag } = await createResult();
    const loaded = await callRoute(h.routes, 'loadTestResult', { params: { patientId, testId: result.id } });
    expect(loaded.status).to.equal(200);
    expect(loaded.json).to.deep.equal(result);
    expect(loaded.headers.get('etag')).to.equal(etag);
    expectProblem(await callRoute(h.routes, 'loadTestResult', { params: { patientId, testId: MISSING } }), 404, 'not-found');
    expectProblem(await callRoute(h.routes, 'loadTestResult', { params: { patientId, testId: 'zzz' } }), 404, 'not-found');
    const otherPatient = ((await callRoute(h.routes, 'createPatient', { body: ADA })).json as { id: string }).id;
    expectProblem(await callRoute(h.routes, 'loadTestResult', { params: { patientId: otherPatient, testId: result.id } }), 404, 'not-found');
  });

  it('updates with the body GET returned, conditional on If-Match', async () => {
    const { result, etag } = await createResult();
    h.clock.advance(5000);
    const updated = await callRoute(h.routes, 'updateTestResult', {
      params: { patientId, testId: result.id },
      body: { ...result, performer: 'Lab 2' },
      headers: { 'if-match': etag },
    });
    expect(updated.status).to.equal(200);
    expect(updated.json).to.deep.equal({ ...result, performer: 'Lab 2', lastUpdated: '2026-01-15T10:00:05.000Z' });
    expect(updated.headers.get('etag')).to.not.equal(etag);
    expectProblem(await callRoute(h.routes, 'updateTestResult', { params: { patientId, testId: result.id }, body: RESULT, headers: { 'if-match': etag } }), 412, 'precondition-failed');
    expectProblem(await callRoute(h.routes, 'updateTestResult', { params: { patientId, testId: result.id }, body: { ...RESULT, id: MISSING } }), 400, 'validation');
    expectProblem(await callRoute(h.routes, 'updateTestResult', { params: { patientId, testId: result.id }, body: { ...RESULT, patientId: MISSING } }), 400, 'validation');
    expectProblem(await callRoute(h.routes, 'updateTestResult', { params: { patientId, testId: 'bad' }, body: RESULT }), 400, 'validation');
    expectProblem(await callRoute(h.routes, 'updateTestResult', { params: { patientId, testId: MISSING }, body: RESULT }), 404, 'not-found');
    const stored = await h.db.collection('tests').findOne({ id: result.id });
    expect(stored).to.include({ performer: 'Lab 2' });
  });

  it('lets exactly one of two concurrent updates with the same ETag win', async () => {
    const { result, etag } = await createResult();
    const outcomes = await Promise.all(
      ['x', 'y'].map((performer) => callRoute(h.routes, 'updateTestResult', { params: { patientId, testId: result.id }, body: { ...RESULT, performer }, headers: { 'if-match': etag } })),
    );
    expect(outcomes.map((outcome) => outcome.status).sort()).to.deep.equal([200, 412]);
  });

  it('deletes: 412 on a stale ETag, 204, then 404; 400 for a malformed id', async () => {
    const { result, etag } = await createResult();
    expectProblem(await callRoute(h.routes, 'deleteTestResult', { params: { patientId, testId: result.id }, headers: { 'if-match': '"stale"' } }), 412, 'precondition-failed');
    const deleted = await callRoute(h.routes, 'deleteTestResult', { params: { patientId, testId: result.id }, headers: { 'if-match': etag } });
    expect(deleted.status).to.equal(204);
    expect(await h.db.collection('tests').countDocuments()).to.equal(0);
    expectProblem(await callRoute(h.routes, 'deleteTestResult', { params: { patientId, testId: result.id } }), 404, 'not-found');
    expectProblem(await callRoute(h.routes, 'deleteTestResult', { params: { patientId, testId: 'bad' } }), 400, 'validation');
    expect(h.audit.calls[h.audit.calls.length - 1].resource).to.deep.equal({ type: 'test-result', id: `${patientId}/tests/${result.id}`, operation: 'delete' });
  });
});
