import { expect } from 'chai';
import { hmacSha256Hex, sha256Hex, stableStringify } from '../../../../functions/patient-api/src/stable-json';
import { HttpProblem } from '../../../../functions/shared/src/problem';
import { callRoute } from '../../support/http';
import { startTwinFixture, type TwinFixture } from '../../support/mongo-twin';
import { ADA, patientHarness, SEARCH_HASH_KEY_FOR_TESTS, type PatientHarness } from '../../support/patient-api-harness';
import { expectProblem } from '../../support/problems';

type Patient = typeof ADA & { id: string; lastUpdated: string };
const MISSING = '99999999-9999-4999-8999-999999999999';

describe('Patient API: patients', () => {
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

  async function create(body: Record<string, unknown> = ADA): Promise<{ patient: Patient; etag: string }> {
    const response = await callRoute(h.routes, 'createPatient', { body });
    expect(response.status, response.text).to.equal(201);
    return { patient: response.json as Patient, etag: response.headers.get('etag')! };
  }

  describe('create', () => {
    it('answers 201 with the patient, a server-set id and lastUpdated, and an ETag', async () => {
      const gateway = { 'x-apim-subscription-id': 'sub-42', 'x-apim-client-ip': '203.0.113.9', 'x-apim-request-id': '3f2b1c9e-5a47-4e0b-9d61-7c2a8e4f1b23' };
      const response = await callRoute(h.routes, 'createPatient', { body: ADA, headers: { ...gateway, 'x-forwarded-for': '6.6.6.6, 203.0.113.9' } });
      expect(response.status).to.equal(201);
      const patient = response.json as Patient;
      expect(patient).to.deep.equal({ ...ADA, id: '00000000-0000-4000-8000-000000000001', lastUpdated: '2026-01-15T10:00:00.000Z' });
      expect(response.headers.get('etag')).to.equal('"00000000-0000-4000-8000-000000000002"');
      const stored = await h.db.collection('patients').findOne({ id: patient.id });
      expect(stored).to.include({ firstName: 'Ada', dateOfBirth: '1815-12-10' });
      expect(h.audit.calls).to.have.length(1);
      expect(h.audit.calls[0].resource).to.deep.equal({ type: 'patient', id: patient.id, operation: 'create' });
      // The caller as the gateway's policy set it; X-Forwarded-For (client-controlled) is never read.
      expect(h.audit.calls[0].context.caller).to.deep.equal({ subscriptionId: 'sub-42', clientIp: '203.0.113.9', requestId: '3f2b1c9e-5a47-4e0b-9d61-7c2a8e4f1b23' });
      expect(h.audit.calls[0].databaseCallsBefore).to.equal(0);
    });

    it('refuses a body that sets id or lastUpdated, before auditing or writing', async () => {
      for (const extra of [{ id: MISSING }, { lastUpdated: '2026-01-01T00:00:00Z' }]) {
        const response = await callRoute(h.routes, 'createPatient', { body: { ...ADA, ...extra } });
        expectProblem(response, 400, 'validation');
        expect((response.json as { errors: { message: string }[] }).errors[0].message).to.equal('is set by the server');
      }
      expect(h.audit.calls).to.have.length(0);
      expect(await h.db.collection('patients').countDocuments()).to.equal(0);
    });

    it('refuses invalid bodies with 400 and touches nothing', async () => {
      const bodies: unknown[] = [
        { ...ADA, firstName: undefined },
        { ...ADA, gender: 'robot' },
        { ...ADA, dateOfBirth: '1815-02-30' },
        { ...ADA, dateOfBirth: `${new Date().getUTCFullYear() + 1}` },
        { ...ADA, postCode: { $ne: null } },
        { ...ADA, firstName: ['Ada'] },
        { ...ADA, firstName: 'x'.repeat(65) },
        { ...ADA, nickname: 'A' },
        'Ada',
        null,
      ];
      for (const body of bodies) expectProblem(await callRoute(h.routes, 'createPatient', { body: JSON.stringify(body) }), 400, 'validation');
      expectProblem(await callRoute(h.routes, 'createPatient', { body: '{"firstName":"Ada",' }), 400, 'malformed-json');
      expectProblem(await callRoute(h.routes, 'createPatient', { body: '{"firstName":"Ada","firstName":"Eve","gender":"female","dateOfBirth":"1815","postCode":"X"}' }), 400, 'malformed-json');
      expectProblem(await callRoute(h.routes, 'createPatient', { body: JSON.stringify(ADA), headers: { 'content-type': 'text/plain' } }), 415, 'unsupported-media-type');
      expectProblem(await callRoute(h.routes, 'createPatient', { body: { ...ADA, fullName: 'x'.repeat(70_000) } }), 413, 'payload-too-large');
      expect(h.audit.calls).to.have.length(0);
      expect(h.telemetry.mongoCalls()).to.have.length(0);
    });
  });

  describe('load', () => {
    it('answers 200 with the patient and its ETag', async () => {
      const { patient, etag } = await create();
      const response = await callRoute(h.routes, 'loadPatient', { params: { patientId: patient.id } });
      expect(response.status).to.equal(200);
      expect(response.json).to.deep.equal(patient);
      expect(response.headers.get('etag')).to.equal(etag);
      expect(h.audit.calls.map((call) => call.resource)).to.deep.include({ type: 'patient', id: patient.id, operation: 'read' });
    });

    it('answers 404 for a patient that does not exist (audited) and for a malformed id (not audited)', async () => {
      expectProblem(await callRoute(h.routes, 'loadPatient', { params: { patientId: MISSING } }), 404, 'not-found');
      expect(h.audit.calls).to.have.length(1);
      expectProblem(await callRoute(h.routes, 'loadPatient', { params: { patientId: 'not-a-uuid' } }), 404, 'not-found');
      expectProblem(await callRoute(h.routes, 'loadPatient', { params: { patientId: '{"$ne":null}' } }), 404, 'not-found');
      expect(h.audit.calls).to.have.length(1);
    });

    it('finds a patient by an upper-case spelling of its id', async () => {
      const { patient } = await create();
      expect((await callRoute(h.routes, 'loadPatient', { params: { patientId: patient.id.toUpperCase() } })).status).to.equal(200);
    });
  });

  describe('update', () => {
    it('takes back the body GET returned (its lastUpdated ignored) and answers 200 with a new ETag', async () => {
      const { patient, etag } = await create();
      h.clock.advance(60_000);
      const response = await callRoute(h.routes, 'updatePatient', {
        params: { patientId: patient.id },
        body: { ...patient, postCode: 'NW1 2DB', lastUpdated: '2000-01-01T00:00:00Z' },
        headers: { 'if-match': etag },
      });
      expect(response.status).to.equal(200);
      expect(response.json).to.deep.equal({ ...patient, postCode: 'NW1 2DB', lastUpdated: '2026-01-15T10:01:00.000Z' });
      expect(response.headers.get('etag')).to.match(/^"[0-9a-f-]+"$/).and.not.equal(etag);
      const loaded = await callRoute(h.routes, 'loadPatient', { params: { patientId: patient.id } });
      expect((loaded.json as Patient).postCode).to.equal('NW1 2DB');
      expect(loaded.headers.get('etag')).to.equal(response.headers.get('etag'));
    });

    it('works without If-Match, with If-Match: *, and removes fields the new body leaves out', async () => {
      const { patient } = await create();
      const { lastName: _dropped, ...withoutLastName } = ADA;
      expect((await callRoute(h.routes, 'updatePatient', { params: { patientId: patient.id }, body: withoutLastName })).status).to.equal(200);
      const star = await callRoute(h.routes, 'updatePatient', { params: { patientId: patient.id }, body: withoutLastName, headers: { 'if-match': '*' } });
      expect(star.status).to.equal(200);
      expect(star.json).to.not.have.property('lastName');
    });

    it('answers 412 when If-Match does not match, and leaves the patient as it was', async () => {
      const { patient } = await create();
      expectProblem(await callRoute(h.routes, 'updatePatient', { params: { patientId: patient.id }, body: { ...ADA, postCode: 'X' }, headers: { 'if-match': '"stale"' } }), 412, 'precondition-failed');
      expect(await h.db.collection('patients').findOne({ id: patient.id })).to.include({ postCode: ADA.postCode });
    });

    it('lets exactly one of two concurrent updates with the same ETag win', async () => {
      const { patient, etag } = await create();
      const [first, second] = await Promise.all(
        ['A1', 'B2'].map((postCode) => callRoute(h.routes, 'updatePatient', { params: { patientId: patient.id }, body: { ...ADA, postCode }, headers: { 'if-match': etag } })),
      );
      expect([first.status, second.status].sort()).to.deep.equal([200, 412]);
      const winner = first.status === 200 ? 'A1' : 'B2';
      expect(await h.db.collection('patients').findOne({ id: patient.id })).to.include({ postCode: winner });
    });

    it('answers 404 (not 500) for a missing patient, 400 for a malformed id or a different body id', async () => {
      expectProblem(await callRoute(h.routes, 'updatePatient', { params: { patientId: MISSING }, body: ADA }), 404, 'not-found');
      expectProblem(await callRoute(h.routes, 'updatePatient', { params: { patientId: 'nope' }, body: ADA }), 400, 'validation');
      const { patient } = await create();
      expectProblem(await callRoute(h.routes, 'updatePatient', { params: { patientId: patient.id }, body: { ...ADA, id: MISSING } }), 400, 'validation');
      expectProblem(await callRoute(h.routes, 'updatePatient', { params: { patientId: patient.id }, body: { ...ADA, gender: { $gt: '' } } }), 400, 'validation');
      expect(await h.db.collection('patients').findOne({ id: patient.id })).to.include({ gender: 'female' });
    });
  });

  describe('delete', () => {
    it('erases the patient and its test results: 204, then 404', async () => {
      const { patient } = await create();
      const other = await create({ ...ADA, firstName: 'Other' });
      for (const target of [patient.id, patient.id, other.patient.id]) {
        expect((await callRoute(h.routes, 'createTestResult', { params: { patientId: target }, body: { observations: [{ code: 'HbA1c' }] } })).status).to.equal(201);
      }
      const response = await callRoute(h.routes, 'deletePatient', { params: { patientId: patient.id } });
      expect(response.status).to.equal(204);
      expect(response.text).to.equal('');
      expect(await h.db.collection('patients').countDocuments({ id: patient.id })).to.equal(0);
      expect(await h.db.collection('tests').countDocuments({ patientId: patient.id })).to.equal(0);
      expect(await h.db.collection('tests').countDocuments({ patientId: other.patient.id })).to.equal(1);
      expectProblem(await callRoute(h.routes, 'loadPatient', { params: { patientId: patient.id } }), 404, 'not-found');
      expectProblem(await callRoute(h.routes, 'deletePatient', { params: { patientId: patient.id } }), 404, 'not-found');
    });

    it('is conditional on If-Match (412 keeps the patient) and answers 400 for a malformed id', async () => {
      const { patient, etag } = await create();
      expectProblem(await callRoute(h.routes, 'deletePatient', { params: { patientId: patient.id }, headers: { 'if-match': '"old"' } }), 412, 'precondition-failed');
      expect(await h.db.collection('patients').countDocuments({ id: patient.id })).to.equal(1);
      expect((await callRoute(h.routes, 'deletePatient', { params: { patientId: patient.id }, headers: { 'if-match': etag } })).status).to.equal(204);
      expectProblem(await callRoute(h.routes, 'deletePatient', { params: { patientId: 'x' } }), 400, 'validation');
    });
  });

  describe('search', () => {
    async function search(body: unknown) {
      return callRoute(h.routes, 'searchPatients', { body });
    }
    const ids = (response: { json: unknown }) => (response.json as Patient[]).map((patient) => patient.firstName);

    beforeEach(async () => {
      await create({ ...ADA, firstName: 'Year', dateOfBirth: '1980' });
      await create({ ...ADA, firstName: 'Month', dateOfBirth: '1980-06' });
      await create({ ...ADA, firstName: 'Day', dateOfBirth: '1980-06-15' });
      await create({ ...ADA, firstName: 'Later', lastName: 'Byron', dateOfBirth: '1990-01-01' });
    });

    it('matches string fields exactly and answers an empty array when nothing matches', async () => {
      expect(ids(await search({ lastName: 'Byron' }))).to.deep.equal(['Later']);
      expect(ids(await search({ lastName: 'byron' }))).to.deep.equal([]);
      expect(ids(await search({ lastName: 'Lovelace', firstName: 'Day' }))).to.deep.equal(['Day']);
      expect(ids(await search({ dateOfBirth: '1980-06' }))).to.deep.equal(['Month']);
      const none = await search({ postCode: 'NOWHERE' });
      expect(none.status).to.equal(200);
      expect(none.json).to.deep.equal([]);
    });

    it('finds by id', async () => {
      const all = (await search({ lastName: 'Lovelace' })).json as Patient[];
      expect(ids(await search({ id: all[1].id.toUpperCase() }))).to.deep.equal([all[1].firstName]);
    });

    it('searches dates of birth inclusively, a partial date matching when its span overlaps', async () => {
      expect(ids(await search({ dateOfBirthFrom: '1980-06-15', dateOfBirthTo: '1980-06-15' })).sort()).to.deep.equal(['Day', 'Month', 'Year']);
      expect(ids(await search({ dateOfBirthFrom: '1980-07' })).sort()).to.deep.equal(['Later', 'Year']);
      expect(ids(await search({ dateOfBirthTo: '1980-05-31' }))).to.deep.equal(['Year']);
      expect(ids(await search({ dateOfBirthFrom: '1990-01-01', dateOfBirthTo: '1990' }))).to.deep.equal(['Later']);
      expect(ids(await search({ dateOfBirthFrom: '1981', dateOfBirthTo: '1989' }))).to.deep.equal([]);
      expectProblem(await search({ dateOfBirthFrom: '1990', dateOfBirthTo: '1980' }), 400, 'validation');
    });

    it('pages with limit and X-Continuation-Token, the body staying an array', async () => {
      const names: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const response = await search({ lastName: 'Lovelace', limit: 2, ...(token !== undefined ? { continuationToken: token } : {}) });
        expect(response.status).to.equal(200);
        expect(response.json).to.be.an('array');
        names.push(...ids(response));
        token = response.headers.get('x-continuation-token') ?? undefined;
        pages += 1;
      } while (token !== undefined && pages < 5);
      expect(pages).to.equal(2);
      expect(names.sort()).to.deep.equal(['Day', 'Month', 'Year']);
    });

    it('defaults to 50 per page and refuses a limit over 100', async () => {
      for (let index = 0; index < 52; index += 1) await create({ ...ADA, lastName: 'Many' });
      const first = await search({ lastName: 'Many' });
      expect(first.json).to.have.length(50);
      const rest = await search({ lastName: 'Many', continuationToken: first.headers.get('x-continuation-token')! });
      expect(rest.json).to.have.length(2);
      expect(rest.headers.get('x-continuation-token')).to.equal(null);
      expectProblem(await search({ lastName: 'Many', limit: 101 }), 400, 'validation');
    });

    it('refuses a tampered token or a token of another query', async () => {
      const first = await search({ lastName: 'Lovelace', limit: 1 });
      const token = first.headers.get('x-continuation-token')!;
      expectProblem(await search({ lastName: 'Byron', continuationToken: token }), 400, 'validation');
      expectProblem(await search({ lastName: 'Lovelace', continuationToken: 'e30' }), 400, 'validation');
      expectProblem(await search({ lastName: 'Lovelace', continuationToken: '!!' }), 400, 'validation');
      const forged = Buffer.from(JSON.stringify({ query: 'x', after: { $gt: '' } })).toString('base64url');
      expectProblem(await search({ lastName: 'Lovelace', continuationToken: forged }), 400, 'validation');
    });

    it('refuses operators and unknown fields before auditing', async () => {
      const audited = h.audit.calls.length;
      expectProblem(await search({ lastName: { $ne: null } }), 400, 'validation');
      expectProblem(await search({ $where: 'sleep(1000)' }), 400, 'validation');
      expect(h.audit.calls.length).to.equal(audited);
    });

    it('answers an empty search with the first page of every patient, audited as a search with no criteria', async () => {
      const audited = h.audit.calls.length;
      const response = await search({ limit: 2 });
      expect(response.status).to.equal(200);
      expect(ids(response)).to.have.length(2);
      expect(response.headers.get('x-continuation-token')).to.be.a('string');
      expect(h.audit.calls[audited].resource).to.deep.include({ type: 'patient-search', operation: 'search' });
      expect(h.audit.calls[audited].resource.id).to.match(/^fields=;hmac=[0-9a-f]{64}$/);
    });

    it('audits a search by its field names and a keyed hash (HMAC) of its values, never the values', async () => {
      await search({ lastName: 'Byron', dateOfBirthFrom: '1980' });
      const resource = h.audit.calls.find((call) => call.resource.type === 'patient-search' && call.resource.id.startsWith('fields=dateOfBirthFrom,lastName'))!.resource;
      expect(resource.operation).to.equal('search');
      expect(resource.id).to.match(/^fields=dateOfBirthFrom,lastName;hmac=[0-9a-f]{64}$/);
      expect(resource.id).to.not.include('Byron').and.not.include('1980');
      // Without the key, the hash of the plain values does not match: a date of birth cannot be found by trying every date.
      const plain = sha256Hex(stableStringify({ dateOfBirthFrom: '1980', lastName: 'Byron' }));
      expect(resource.id).to.not.include(plain);
      expect(resource.id.split('hmac=')[1]).to.equal(hmacSha256Hex(SEARCH_HASH_KEY_FOR_TESTS, stableStringify({ dateOfBirthFrom: '1980', lastName: 'Byron' })));
    });

    it('records every returned patient as disclosed by the search, under the patient, before answering', async () => {
      const before = h.audit.calls.length;
      const response = await search({ lastName: 'Lovelace' });
      const returned = (response.json as Patient[]).map((p) => p.id);
      expect(returned).to.have.length(3);
      const calls = h.audit.calls.slice(before);
      expect(calls.map((call) => call.resource)).to.deep.equal([
        calls[0].resource,
        ...returned.map((id) => ({ type: 'patient', id, operation: 'disclose' })),
      ]);
      // The same request (trace) as the search row, so an access log can tie each disclosure to its search.
      expect(new Set(calls.map((call) => call.context.trace.traceId)).size).to.equal(1);
    });

    it('returns no results when recording the disclosures fails (fail closed)', async () => {
      const failing = await patientHarness(fixture);
      try {
        await callRoute(failing.routes, 'createPatient', { body: ADA });
        const original = failing.audit.recordAll.bind(failing.audit);
        failing.audit.recordAll = (context, resources) => (resources.some((r) => r.operation === 'disclose') ? Promise.reject(new HttpProblem('auditUnavailable')) : original(context, resources));
        const response = await callRoute(failing.routes, 'searchPatients', { body: { lastName: 'Lovelace' } });
        expectProblem(response, 503, 'audit-unavailable');
        expect(JSON.stringify(response.json)).to.not.include('Lovelace');
      } finally {
        await failing.close();
      }
    });
  });
});
