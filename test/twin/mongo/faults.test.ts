import { expect } from 'chai';
import { MongoNetworkError, type MongoServerError } from 'mongodb';
import { applyFaultRules } from '../../../twin/mongo';
import { FaultEngine } from '../../../twin/mongo/faults';
import { rejectionOf } from './support/expect-error';
import { describeTwinOnly, useTarget } from './support/target';

describeTwinOnly('mongo twin fault injection', function () {
  const suite = useTarget();
  afterEach(() => {
    suite.target.twin!.faults.clear();
  });

  it('throttles like Cosmos DB: 16500 with RetryAfterMs, no change made, for `times` calls', async () => {
    const patients = suite.db.collection('patients');
    suite.target.twin!.faults.add({ kind: 'throttle', retryAfterMs: 250, collection: 'patients', command: 'insert', times: 2 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await rejectionOf<MongoServerError>(patients.insertOne({ n: attempt }));
      expect(error.code).to.equal(16500);
      expect(error.codeName).to.equal('RequestRateTooLarge');
      expect(error.message).to.match(/^Error=16500, RetryAfterMs=250, Details='Response status code does not indicate success: TooManyRequests \(429\); Substatus: 3200; /);
      expect(error.message).to.contain('Request rate is large. More Request Units may be needed, so no changes were made.');
    }
    await patients.insertOne({ n: 2 });
    expect(await patients.find({}, { projection: { _id: 0 } }).toArray()).to.deep.equal([{ n: 2 }]);
  });

  it('matches rules by database, collection and command', async () => {
    const faults = suite.target.twin!.faults;
    faults.add({ kind: 'error', code: 13, message: 'not for you', db: 'some-other-db' });
    faults.add({ kind: 'error', code: 13, message: 'not for you', collection: 'other' });
    faults.add({ kind: 'error', code: 13, message: 'not for you', command: 'delete' });
    await suite.db.collection('patients').insertOne({ a: 1 });
    expect(await suite.db.collection('patients').countDocuments()).to.equal(1);
    const error = await rejectionOf<MongoServerError>(suite.db.collection('patients').deleteOne({ a: 1 }));
    expect(error.code).to.equal(13);
    expect(error.message).to.equal('not for you');
    expect((await rejectionOf<MongoServerError>(suite.db.collection('other').findOne({}))).code).to.equal(13);
  });

  it('adds latency until the rule is removed', async () => {
    const patients = suite.db.collection('patients');
    await patients.insertOne({ a: 1 });
    const id = suite.target.twin!.faults.add({ kind: 'latency', ms: 200, command: 'find' });
    let started = Date.now();
    await patients.findOne({ a: 1 });
    expect(Date.now() - started).to.be.at.least(190);
    suite.target.twin!.faults.remove(id);
    started = Date.now();
    await patients.findOne({ a: 1 });
    expect(Date.now() - started).to.be.lessThan(150);
  });

  it('drops the connection without answering, and the client recovers on a new one', async () => {
    const patients = suite.db.collection('patients');
    suite.target.twin!.faults.add({ kind: 'drop', command: 'insert', times: 1 });
    const error = await rejectionOf(patients.insertOne({ a: 1 }));
    expect(error).to.be.instanceOf(MongoNetworkError);
    await patients.insertOne({ a: 2 });
    expect(await patients.countDocuments()).to.equal(1);
  });

  it('leaves the handshake alone unless a rule names it', async () => {
    suite.target.twin!.faults.add({ kind: 'error', code: 8000, message: 'injected' });
    const client = await suite.target.connect();
    expect(await client.db('admin').command({ ping: 1 })).to.deep.include({ ok: 1 });
    expect((await rejectionOf<MongoServerError>(client.db(suite.db.databaseName).collection('x').findOne({}))).code).to.equal(8000);
    suite.target.twin!.faults.add({ kind: 'error', code: 8000, message: 'injected', command: 'ping' });
    expect((await rejectionOf<MongoServerError>(client.db('admin').command({ ping: 1 }))).code).to.equal(8000);
  });

  it('applies a JSON list of rules, replacing the active ones', async () => {
    const faults = suite.target.twin!.faults;
    faults.add({ kind: 'error', code: 13, message: 'old rule' });
    const ids = applyFaultRules(faults, JSON.stringify([{ kind: 'throttle', retryAfterMs: 40, command: 'find', times: 1 }]));
    expect(ids).to.have.length(1);
    await suite.db.collection('patients').insertOne({ a: 1 });
    expect((await rejectionOf<MongoServerError>(suite.db.collection('patients').findOne({}))).code).to.equal(16500);
    expect(await suite.db.collection('patients').findOne({}, { projection: { _id: 0 } })).to.deep.equal({ a: 1 });
  });
});

describe('mongo twin fault rules from JSON', () => {
  it('rejects malformed input with a message naming the problem, changing nothing', () => {
    const faults = new FaultEngine();
    faults.add({ kind: 'drop', command: 'find' });
    expect(() => applyFaultRules(faults, '{not json')).to.throw(/not valid JSON/);
    expect(() => applyFaultRules(faults, '{}')).to.throw(/must be a JSON array/);
    expect(() => applyFaultRules(faults, '[{"kind":"throttle"}]')).to.throw(/fault rule 0: .*retryAfterMs/);
    expect(() => applyFaultRules(faults, '[{"kind":"drop"},{"kind":"explode"}]')).to.throw(/fault rule 1: .*kind must be one of/);
    expect(() => applyFaultRules(faults, '[{"kind":"drop","times":0}]')).to.throw(/times/);
    expect(faults.decide('db', 'c', 'find')?.outcome).to.deep.equal({ kind: 'drop' });
  });

  it('adds latency from every matching rule but takes the outcome of the first', () => {
    const faults = new FaultEngine();
    faults.add({ kind: 'latency', ms: 10 });
    faults.add({ kind: 'error', code: 1, message: 'first' });
    faults.add({ kind: 'latency', ms: 5 });
    faults.add({ kind: 'error', code: 2, message: 'second' });
    expect(faults.decide('db', 'c', 'find')).to.deep.equal({ delayMs: 15, outcome: { kind: 'error', code: 1, message: 'first' } });
  });
});
