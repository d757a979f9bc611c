import { expect } from 'chai';
import type { MongoServerError } from 'mongodb';
import { expectBackendError } from '../support/expect-cosmos';
import { rejectionOf } from '../support/expect-error';
import { describeTwinOnly } from '../support/target';
import { twinPool } from '../support/twins';

const KEY = { username: 'patients-db', password: 'cGF0aWVudHMta2V5' };

function notAllowed(verb: string, resource: string): string {
  return (
    `Operation '${verb}' on resource '${resource}' is not allowed through Azure Cosmos DB endpoint. ` +
    'Please switch on such operations for your account, or perform this operation through Azure Resource Manager, Azure Portal, Azure CLI or Azure Powershell'
  );
}

describeTwinOnly('mongo twin, cosmos profile: key-based metadata writes disabled, collections made through the control plane', () => {
  const pool = twinPool();
  afterEach(() => pool.closeAll());

  const locked = () => pool.start({ credentials: KEY, keyBasedMetadataWriteAccess: false, continuousBackup: true });

  it('refuses a key holder every database, collection and index change, implicit creation included', async () => {
    const twin = await locked();
    const db = pool.client(twin.uri).db('patients');
    const attempts: [() => Promise<unknown>, string, string][] = [
      [() => db.createCollection('patients'), 'POST', 'dbs'],
      [() => db.collection('patients').insertOne({ a: 1 }), 'POST', 'dbs'],
      [() => db.collection('patients').updateOne({ a: 1 }, { $set: { b: 1 } }, { upsert: true }), 'POST', 'dbs'],
      [() => db.collection('patients').createIndex({ a: 1 }), 'POST', 'dbs'],
      [() => db.command({ customAction: 'CreateCollection', collection: 'patients', shardKey: 'id' }), 'POST', 'dbs'],
    ];
    for (const [attempt, verb, resource] of attempts) {
      const error = await rejectionOf<MongoServerError>(attempt());
      expectBackendError(error, 13, 'Forbidden (403)', notAllowed(verb, resource));
    }
    expect(twin.control.listCollections('patients')).to.deep.equal([]);
  });

  it('lets the control plane create collections with shard keys and unique indexes that key holders then use, but not change', async () => {
    const twin = await locked();
    await twin.control.createCollection('patients', {
      name: 'patients',
      shardKey: 'id',
      indexes: [{ key: { id: 1, insuranceNumber: 1 }, unique: true }, { key: { lastName: 1 }, name: 'lastName' }],
    });
    await twin.control.createCollection('patients', { name: 'idempotency', shardKey: 'key', indexes: [{ key: { _ts: 1 }, name: 'expiry', expireAfterSeconds: 86_400 }] });
    expect(twin.control.listCollections('patients')).to.deep.equal([
      {
        name: 'patients',
        shardKey: 'id',
        indexes: [
          { v: 2, key: { _id: 1 }, name: '_id_' },
          { v: 2, key: { id: 1, insuranceNumber: 1 }, name: 'id_1_insuranceNumber_1', unique: true },
          { v: 2, key: { lastName: 1 }, name: 'lastName' },
        ],
      },
      { name: 'idempotency', shardKey: 'key', indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }, { v: 2, key: { _ts: 1 }, name: 'expiry', expireAfterSeconds: 86_400 }] },
    ]);

    const patients = pool.client(twin.uri).db('patients').collection('patients');
    await patients.insertOne({ _id: 'p1' as never, id: 'p1', insuranceNumber: 'X1', lastName: 'Lovelace' });
    await patients.updateOne({ _id: 'p1' as never }, { $set: { firstName: 'Ada' } });
    expect(await patients.find({ lastName: 'Lovelace' }).sort({ lastName: 1 }).toArray()).to.have.length(1);
    expect((await rejectionOf<MongoServerError>(patients.insertOne({ id: 'p1', insuranceNumber: 'X1' }))).code).to.equal(11000);
    await patients.deleteOne({ _id: 'p1' as never });

    const changes: [() => Promise<unknown>, string, string][] = [
      [() => patients.createIndex({ postCode: 1 }), 'PUT', 'colls'],
      [() => patients.dropIndex('lastName'), 'PUT', 'colls'],
      [() => patients.drop(), 'DELETE', 'colls'],
      [() => patients.db.dropDatabase(), 'DELETE', 'dbs'],
      [() => patients.db.collection('other').insertOne({ a: 1 }), 'POST', 'colls'],
    ];
    for (const [attempt, verb, resource] of changes) {
      expectBackendError(await rejectionOf<MongoServerError>(attempt()), 13, 'Forbidden (403)', notAllowed(verb, resource));
    }
  });

  it('keeps to Cosmos DB rules in the control plane: same declaration again is a no-op, unique indexes and shard keys stay as created', async () => {
    const twin = await locked();
    const declaration = { name: 'tests', shardKey: 'patientId', indexes: [{ key: { patientId: 1, code: 1 }, unique: true }] };
    await twin.control.createCollection('patients', declaration);
    await twin.control.createCollection('patients', declaration);
    await twin.control.createCollection('patients', { ...declaration, indexes: [...declaration.indexes, { key: { created: 1 } }] });
    expect(twin.control.listCollections('patients')[0].indexes.map((spec) => spec.name)).to.deep.equal(['_id_', 'patientId_1_code_1', 'created_1']);
    expect((await rejectionOf<MongoServerError>(twin.control.createCollection('patients', { ...declaration, indexes: [] }))).code).to.equal(2);
    expect((await rejectionOf(twin.control.createCollection('patients', { ...declaration, shardKey: 'code' }))).message).to.contain('cannot be changed');
    expect((await rejectionOf<MongoServerError>(twin.control.createCollection('patients', { name: 'nested', indexes: [{ key: { 'a.b': 1, c: 1 } }] }))).code).to.equal(115);
    expect((await rejectionOf<MongoServerError>(twin.control.createCollection('patients', { name: 'ttl', indexes: [{ key: { at: 1 }, expireAfterSeconds: 5 }] }))).code).to.equal(2);
    await twin.control.deleteCollection('patients', 'tests');
    expect(twin.control.listCollections('patients').map((collection) => collection.name)).to.deep.equal([]);
  });

  it('lets key holders manage collections when key-based metadata writes are on (the default)', async () => {
    const twin = await pool.start({ credentials: KEY });
    const db = pool.client(twin.uri).db('patients');
    await db.command({ customAction: 'CreateCollection', collection: 'tests', shardKey: 'patientId' });
    await db.collection('tests').createIndex({ created: 1 });
    await db.collection('notes').insertOne({ a: 1 });
    expect(twin.control.listCollections('patients').map((collection) => collection.name)).to.deep.equal(['tests', 'notes']);
  });
});
