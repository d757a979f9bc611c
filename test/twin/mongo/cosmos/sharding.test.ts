import { expect } from 'chai';
import type { MongoServerError } from 'mongodb';
import { expectDuplicateKey } from '../support/expect-duplicate';
import { rejectionOf } from '../support/expect-error';
import { describeContract } from '../support/target';

describeContract('mongo twin contract: sharded collections', (suite) => {
  suite.cosmos(() => {
    const createSharded = (collection: string, shardKey: string, indexes?: object[]) =>
      suite.db.command({ customAction: 'CreateCollection', collection, shardKey, ...(indexes ? { indexes } : {}) });

    it('shards a collection with shardCollection, answering as Cosmos DB does', async () => {
      const ns = `${suite.db.databaseName}.audits`;
      const reply = await suite.target.client.db('admin').command({ shardCollection: ns, key: { resourceId: 'hashed' } });
      expect(reply).to.deep.equal({ _t: 'ShardCollectionResponse', ok: 1, collectionsharded: ns });
      const described = await suite.db.command({ customAction: 'GetCollection', collection: 'audits' });
      expect(described).to.deep.equal({ database: suite.db.databaseName, collection: 'audits', shardKeyDefinition: { resourceId: 'hashed' }, provisionedThroughput: 400, ok: 1 });
    });

    it('creates a sharded collection with its indexes (CreateCollection) and lists them (GetCollection, showIndexes)', async () => {
      await suite.db.command({
        customAction: 'CreateCollection',
        collection: 'tests',
        shardKey: 'patientId',
        offerThroughput: 1000,
        indexes: [
          { key: { _id: 1 }, name: '_id_' },
          { key: { _created: 1, _id: 1 }, name: 'created' },
          { key: { patientId: 1, code: 1 }, name: 'patient_code', unique: true },
        ],
      });
      const described = await suite.db.command({ customAction: 'GetCollection', collection: 'tests', showIndexes: true });
      expect(described).to.deep.include({ shardKeyDefinition: { patientId: 'hashed' }, provisionedThroughput: 1000 });
      expect((described.indexes as { name: string }[]).map((index) => index.name)).to.deep.equal(['_id_', 'created', 'patient_code']);
      expect((await suite.db.collection('tests').indexes()).map((spec) => spec.name)).to.deep.equal(['_id_', 'created', 'patient_code']);
      const again = await rejectionOf<MongoServerError>(createSharded('tests', 'patientId'));
      expect(again.code).to.equal(48);
    });

    it('replaces the whole index set with UpdateCollection', async () => {
      await createSharded('tests', 'patientId', [{ key: { _id: 1 }, name: '_id_' }, { key: { code: 1 }, name: 'code' }]);
      await suite.db.command({ customAction: 'UpdateCollection', collection: 'tests', indexes: [{ key: { _id: 1 }, name: '_id_' }, { key: { created: 1 }, name: 'created' }] });
      expect((await suite.db.collection('tests').indexes()).map((spec) => spec.name)).to.deep.equal(['_id_', 'created']);
      const withoutId = await rejectionOf<MongoServerError>(suite.db.command({ customAction: 'UpdateCollection', collection: 'tests', indexes: [{ key: { code: 1 }, name: 'code' }] }));
      expect(withoutId.code).to.equal(2);
    });

    it('keeps _id unique per shard key value, not per collection', async () => {
      await createSharded('tests', 'patientId');
      const tests = suite.db.collection('tests');
      await tests.insertMany([{ _id: 't1', patientId: 'p1', v: 1 }, { _id: 't1', patientId: 'p2', v: 2 }] as never[]);
      expect(await tests.countDocuments({ _id: 't1' as never })).to.equal(2);
      expect(await tests.findOne({ _id: 't1' as never, patientId: 'p2' })).to.deep.include({ v: 2 });
      const error = await rejectionOf<MongoServerError>(tests.insertOne({ _id: 't1' as never, patientId: 'p1', v: 3 }));
      expectDuplicateKey(suite, error, 'tests', { index: '_id_', keyPattern: { _id: 1 }, keyValue: { _id: 't1' } });
      await tests.deleteOne({ _id: 't1' as never, patientId: 'p1' });
      expect(await tests.find({ _id: 't1' as never }).toArray()).to.deep.equal([{ _id: 't1', patientId: 'p2', v: 2 }]);
    });

    it('refuses a document without the shard key with 61 ShardKeyNotFound', async () => {
      await createSharded('tests', 'patientId');
      const error = await rejectionOf<MongoServerError>(suite.db.collection('tests').insertOne({ code: 'HB' }));
      expect(error.code).to.equal(61);
      expect(error.message).to.equal('document does not contain shard key');
      const upsert = await rejectionOf<MongoServerError>(suite.db.collection('tests').updateOne({ code: 'K' }, { $set: { v: 1 } }, { upsert: true }));
      expect(upsert.code).to.equal(61);
      expect(await suite.db.collection('tests').countDocuments()).to.equal(0);
    });

    it('takes a nested shard key path', async () => {
      await createSharded('events', 'source.id');
      await suite.db.collection('events').insertOne({ source: { id: 's1' } });
      expect((await rejectionOf<MongoServerError>(suite.db.collection('events').insertOne({ source: {} }))).code).to.equal(61);
    });

    it('refuses to change a document\'s shard key value with 66 ImmutableField', async () => {
      await createSharded('tests', 'patientId');
      const tests = suite.db.collection('tests');
      await tests.insertOne({ _id: 't1' as never, patientId: 'p1' });
      expect((await rejectionOf<MongoServerError>(tests.updateOne({ _id: 't1' as never }, { $set: { patientId: 'p2' } }))).code).to.equal(66);
      expect((await rejectionOf<MongoServerError>(tests.replaceOne({ _id: 't1' as never }, { code: 'x' }))).code).to.equal(66);
      expect(await tests.findOne({ _id: 't1' as never })).to.deep.equal({ _id: 't1', patientId: 'p1' });
    });

    it('refuses a unique index that does not start with the shard key with 67 CannotCreateIndex', async () => {
      await createSharded('coll', 'university');
      const coll = suite.db.collection('coll');
      const missing = await rejectionOf<MongoServerError>(coll.createIndex({ student_id: 1 }, { unique: true }));
      expect(missing.code).to.equal(67);
      expect(missing.codeName).to.equal('CannotCreateIndex');
      expect(missing.message).to.equal('cannot create unique index over { student_id : 1.0 } with shard key pattern { university : 1.0 }');
      const notFirst = await rejectionOf<MongoServerError>(coll.createIndex({ student_id: 1, university: 1 }, { unique: true }));
      expect(notFirst.message).to.equal('cannot create unique index over { student_id : 1.0, university : 1.0 } with shard key pattern { university : 1.0 }');
      await coll.createIndex({ university: 1, student_id: 1 }, { unique: true });
      const inCreate = await rejectionOf<MongoServerError>(
        createSharded('other', 'university', [{ key: { _id: 1 }, name: '_id_' }, { key: { student_id: 1 }, name: 's', unique: true }]),
      );
      expect(inCreate.code).to.equal(67);
    });

    it('refuses a multi-document transaction on a sharded collection with 50841, allows one on an unsharded one', async () => {
      await createSharded('tests', 'patientId');
      await suite.db.createCollection('plain');
      const session = suite.target.client.startSession();
      try {
        session.startTransaction();
        const error = await rejectionOf<MongoServerError>(suite.db.collection('tests').insertOne({ patientId: 'p1' }, { session }));
        expect(error.code).to.equal(50841);
        expect(error.message).to.equal('Multi-document transactions cannot be run in a sharded collection');
        await session.abortTransaction();
        await session.withTransaction(async () => {
          await suite.db.collection('plain').insertOne({ a: 1 }, { session });
        });
      } finally {
        await session.endSession();
      }
      expect(await suite.db.collection('tests').countDocuments()).to.equal(0);
      expect(await suite.db.collection('plain').countDocuments()).to.equal(1);
    });

    it('sorts on the shard key alone without another index', async () => {
      await createSharded('tests', 'patientId');
      await suite.db.collection('tests').insertMany([{ patientId: 'b' }, { patientId: 'a' }]);
      const sorted = await suite.db.collection('tests').find({}, { projection: { _id: 0 } }).sort({ patientId: 1 }).toArray();
      expect(sorted).to.deep.equal([{ patientId: 'a' }, { patientId: 'b' }]);
    });

    it('refuses shardCollection on a collection that already exists unsharded', async () => {
      await suite.db.collection('plain').insertOne({ a: 1 });
      const error = await rejectionOf<MongoServerError>(
        suite.target.client.db('admin').command({ shardCollection: `${suite.db.databaseName}.plain`, key: { a: 'hashed' } }),
      );
      expect(error.code).to.equal(2);
    });
  });

  suite.mongodb(() => {
    it('has no Cosmos DB extension commands', async () => {
      const error = await rejectionOf<MongoServerError>(suite.db.command({ customAction: 'CreateCollection', collection: 'tests', shardKey: 'patientId' }));
      expect(error.code).to.equal(59);
    });
  });
});
