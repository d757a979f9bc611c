import { expect } from 'chai';
import { PATIENTS_DATABASE } from '../../../../contracts/collections';
import { createPatientApiApp } from '../../../../functions/patient-api/src/app';
import { findMissing } from '../../../../functions/shared/src/database-check';
import { callRoute } from '../../support/http';
import { expectProblem } from '../../support/problems';
import { RecordingLog, RecordingTelemetry } from '../../support/fakes';
import { startTwinFixture, type TwinFixture } from '../../support/mongo-twin';

describe('the start-up check of an app database (collections and indexes the stack creates)', () => {
  let fixture: TwinFixture;

  before(async () => {
    fixture = await startTwinFixture();
  });
  after(async () => {
    await fixture.close();
  });

  it('finds nothing missing in a database prepared from the declaration', async () => {
    await fixture.prepare(PATIENTS_DATABASE, 'prepared');
    expect(await findMissing(fixture.db('prepared'), PATIENTS_DATABASE)).to.deep.equal([]);
  });

  it('names each missing collection and index', async () => {
    await fixture.twin.control.createCollection('partial', { name: 'patients', shardKey: 'id', indexes: [{ key: { lastName: 1 }, name: 'lastName' }] });
    await fixture.twin.control.createCollection('partial', { name: 'tests', shardKey: 'patientId' });
    expect(await findMissing(fixture.db('partial'), PATIENTS_DATABASE)).to.deep.equal([
      'patients.patients index postCode (postCode)',
      'patients.patients index insuranceNumber (insuranceNumber)',
      'patients.patients index dateOfBirthFirst (_dateOfBirth.first)',
      'patients.patients index dateOfBirthLast (_dateOfBirth.last)',
      'patients.tests index created (_created, _id)',
      'collection patients.idempotency',
    ]);
  });

  it('an app on an unprepared database creates nothing, logs what is missing and answers 503', async () => {
    const log = new RecordingLog();
    const settings: Record<string, string> = { AUDIT_API_URL: 'http://127.0.0.1:9/api', AUDIT_API_KEY: 'k', SEARCH_HASH_KEY: 'h', PATIENTS_DB_CONNECTION: fixture.uri, PATIENTS_DB_NAME: 'empty' };
    const app = createPatientApiApp((name) => settings[name], { telemetry: new RecordingTelemetry(), log, auditClient: { record: () => Promise.resolve(), recordAll: () => Promise.resolve(), listForResource: () => Promise.reject(new Error('unused')) } });
    try {
      expect(await app.checkDatabase()).to.equal(false);
      expect(log.databaseChecks).to.have.length(1);
      expect(log.databaseChecks[0].database).to.equal('empty');
      expect(log.databaseChecks[0].problem).to.contain('collection empty.patients').and.contain('collection empty.idempotency');
      expectProblem(await callRoute(app.routes, 'searchPatients', { body: { lastName: 'Lovelace' } }), 503, 'database-unavailable');
      expect(await fixture.db('empty').listCollections().toArray()).to.deep.equal([]);
    } finally {
      await app.close();
    }
  });
});
