import { expect } from 'chai';
import { MongoServerError } from 'mongodb';
import { DatabaseOperations } from '../../../../functions/shared/src/database-operations';
import { MongoConnection } from '../../../../functions/shared/src/mongo-connection';
import { HttpProblem } from '../../../../functions/shared/src/problem';
import { continueTrace } from '../../../../functions/shared/src/trace-context';
import { FakeClock, RecordingTelemetry } from '../../support/fakes';
import { startTwinFixture, type TwinFixture } from '../../support/mongo-twin';

const trace = continueTrace(null);
const throttled = (retryAfterMs?: number) =>
  new MongoServerError({
    code: 16500,
    errmsg: retryAfterMs === undefined ? 'Request rate is large' : `Request rate is large. RetryAfterMs=${retryAfterMs}, Details='TooManyRequests (429)'`,
  });

describe('database operations on the MongoDB twin', () => {
  let fixture: TwinFixture;
  let connection: MongoConnection;
  let prepared: number;
  let clock: FakeClock;
  let telemetry: RecordingTelemetry;
  let operations: DatabaseOperations;

  before(async () => {
    fixture = await startTwinFixture();
    await fixture.twin.control.createCollection('ops', { name: 'things', indexes: [{ key: { name: 1 }, name: 'name' }] });
  });
  after(async () => {
    await fixture.close();
  });
  beforeEach(() => {
    prepared = 0;
    connection = new MongoConnection({
      uri: () => fixture.uri,
      uriSettingName: 'TEST_DB',
      dbName: 'ops',
      prepare: async (db) => {
        prepared += 1;
        await db.collection('things').listIndexes().toArray();
      },
    });
    clock = new FakeClock();
    telemetry = new RecordingTelemetry();
    operations = new DatabaseOperations({ connection, telemetry, clock, target: 'ops', random: () => 0.5 });
  });
  afterEach(async () => {
    fixture.twin.faults.clear();
    await connection.close();
  });

  /** An operation that is throttled `times` times, then reads the real database. */
  function throttledFind(times: number, retryAfterMs?: number) {
    let calls = 0;
    return async (db: import('mongodb').Db) => {
      calls += 1;
      if (calls <= times) throw throttled(retryAfterMs);
      return db.collection('things').countDocuments();
    };
  }

  it('connects lazily, prepares once per process, and records one dependency per call', async () => {
    expect(prepared).to.equal(0);
    await operations.run(trace, 'things.insertOne', { idempotent: false }, (db) => db.collection('things').insertOne({ name: 'a' }));
    await operations.run(trace, 'things.find', { idempotent: true }, (db) => db.collection('things').find().toArray());
    expect(prepared).to.equal(1);
    const indexes = await fixture.db('ops').collection('things').listIndexes().toArray();
    expect(indexes.map((index: { name?: string }) => index.name)).to.include('name');
    expect(telemetry.mongoCalls().map((call) => [call.name, call.success, call.attempt])).to.deep.equal([
      ['things.insertOne', true, 1],
      ['things.find', true, 1],
    ]);
  });

  it('retries an idempotent operation after 16500, waiting exactly RetryAfterMs, one dependency per attempt', async () => {
    const count = await operations.run(trace, 'things.count', { idempotent: true }, throttledFind(2, 120));
    expect(count).to.be.a('number');
    expect(clock.sleeps).to.deep.equal([120, 120]);
    expect(telemetry.mongoCalls().map((call) => [call.attempt, call.success, call.resultCode])).to.deep.equal([
      [1, false, '16500'],
      [2, false, '16500'],
      [3, true, '0'],
    ]);
  });

  it('backs off exponentially with jitter when no RetryAfterMs is given', async () => {
    await operations.run(trace, 'things.count', { idempotent: true }, throttledFind(3));
    expect(clock.sleeps).to.deep.equal([50, 100, 200]);
  });

  it('never retries a non-idempotent operation: 503 with Retry-After after one attempt', async () => {
    let problem: unknown;
    await operations.run(trace, 'things.insertOne', { idempotent: false }, throttledFind(1, 1500)).catch((error: unknown) => (problem = error));
    expect(problem).to.be.instanceOf(HttpProblem);
    expect((problem as HttpProblem).kind).to.equal('databaseThrottled');
    expect((problem as HttpProblem).options.retryAfterSeconds).to.equal(1.5);
    expect(clock.sleeps).to.deep.equal([]);
    expect(telemetry.mongoCalls()).to.have.length(1);
  });

  it('gives up after the maximum number of attempts', async () => {
    let problem: unknown;
    await operations.run(trace, 'things.count', { idempotent: true }, throttledFind(100, 10)).catch((error: unknown) => (problem = error));
    expect((problem as HttpProblem).kind).to.equal('databaseThrottled');
    expect(telemetry.mongoCalls()).to.have.length(5);
    expect(clock.sleeps).to.have.length(4);
  });

  it('gives up when the next wait would pass the total time budget', async () => {
    let problem: unknown;
    await operations.run(trace, 'things.count', { idempotent: true }, throttledFind(100, 4000)).catch((error: unknown) => (problem = error));
    expect((problem as HttpProblem).kind).to.equal('databaseThrottled');
    expect(clock.sleeps).to.deep.equal([4000, 4000]);
    expect(telemetry.mongoCalls()).to.have.length(3);
  });

  it('retries throttling the twin injects into real driver commands', async () => {
    await operations.run(trace, 'things.insertOne', { idempotent: false }, (db) => db.collection('things').insertOne({ name: 'b' }));
    fixture.twin.faults.add({ kind: 'throttle', retryAfterMs: 30, collection: 'things', command: 'find', times: 2 });
    const found = await operations.run(trace, 'things.find', { idempotent: true }, (db) => db.collection('things').find({ name: 'b' }).toArray());
    expect(found).to.have.length(1);
    expect(clock.sleeps).to.deep.equal([30, 30]);
    expect(telemetry.mongoCalls().filter((call) => call.name === 'things.find').map((call) => call.resultCode)).to.deep.equal(['16500', '16500', '0']);
  });

  it('answers 503 when the database cannot be reached, and builds a new client on the next call', async () => {
    let uri = 'mongodb://127.0.0.1:1/?directConnection=true';
    const flaky = new MongoConnection({ uri: () => uri, uriSettingName: 'TEST_DB', dbName: 'ops', clientOptions: { serverSelectionTimeoutMS: 200 } });
    const flakyOperations = new DatabaseOperations({ connection: flaky, telemetry, clock, target: 'ops' });
    let problem: unknown;
    await flakyOperations.run(trace, 'things.count', { idempotent: true }, (db) => db.collection('things').countDocuments()).catch((error: unknown) => (problem = error));
    expect((problem as HttpProblem).kind).to.equal('databaseUnavailable');
    expect((problem as HttpProblem).message).to.not.include('127.0.0.1');
    uri = fixture.uri;
    expect(await flakyOperations.run(trace, 'things.count', { idempotent: true }, (db) => db.collection('things').countDocuments())).to.be.a('number');
    await flaky.close();
  });

  it('answers 503 when the connection setting is missing', async () => {
    const unset = new MongoConnection({ uri: () => undefined, uriSettingName: 'TEST_DB', dbName: 'ops' });
    const unsetOperations = new DatabaseOperations({ connection: unset, telemetry, clock, target: 'ops' });
    let problem: unknown;
    await unsetOperations.run(trace, 'things.count', { idempotent: true }, (db) => db.collection('things').countDocuments()).catch((error: unknown) => (problem = error));
    expect((problem as HttpProblem).kind).to.equal('databaseUnavailable');
  });
});
