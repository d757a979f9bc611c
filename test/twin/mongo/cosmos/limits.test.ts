import { expect } from 'chai';
import { MongoBulkWriteError, type Collection, type MongoServerError } from 'mongodb';
import { expectBackendError } from '../support/expect-cosmos';
import { rejectionOf } from '../support/expect-error';
import { describeContract } from '../support/target';

const TWO_MB = 2 * 1024 * 1024;
const RETRYABLE =
  'Retryable writes are not supported. Please disable retryable writes by specifying "retrywrites=false" in the connection string or an equivalent driver specific config.';

interface File {
  _id: string;
  blob: string;
}

/** A document of about `bytes` bytes of BSON. */
function documentOf(bytes: number): File {
  return { _id: `d${bytes}`, blob: 'x'.repeat(bytes - 40) };
}

describeContract('mongo twin contract: document size, retryable writes and unsupported features', (suite) => {
  const files = (): Collection<File> => suite.db.collection<File>('files');

  it('stores a document just under 2 MB', async () => {
    await files().insertOne(documentOf(TWO_MB - 1024));
    expect(await suite.db.collection('files').countDocuments()).to.equal(1);
  });

  it('runs writes on the connection the URI describes', async () => {
    await suite.db.collection('items').insertOne({ a: 1 });
    await suite.db.collection('items').updateOne({ a: 1 }, { $set: { b: 2 } });
    expect(await suite.db.collection('items').findOne({}, { projection: { _id: 0 } })).to.deep.equal({ a: 1, b: 2 });
  });

  it('joins with a plain $lookup (localField/foreignField)', async () => {
    await suite.db.collection('patients').insertOne({ _id: 'p1' as never });
    await suite.db.collection('tests').insertMany([{ patientId: 'p1' }, { patientId: 'p1' }]);
    const [joined] = await suite.db
      .collection('patients')
      .aggregate([{ $lookup: { from: 'tests', localField: '_id', foreignField: 'patientId', as: 'tests' } }, { $project: { n: { $size: '$tests' } } }])
      .toArray();
    expect(joined).to.deep.equal({ _id: 'p1', n: 2 });
  });

  suite.cosmos(() => {
    it("refuses a document over 2 MB with 16 and Cosmos DB's RequestEntityTooLarge text, on insert and on update", async () => {
      const insert = await rejectionOf<MongoServerError>(files().insertOne(documentOf(TWO_MB + 1024)));
      expectBackendError(insert, 16, 'RequestEntityTooLarge (413)', 'Request size is too large');
      await files().insertOne({ _id: 'small', blob: 'x' });
      const update = await rejectionOf<MongoServerError>(files().updateOne({ _id: 'small' }, { $set: { blob: 'x'.repeat(TWO_MB) } }));
      expect(update.code).to.equal(16);
      expect(await files().findOne({ _id: 'small' })).to.deep.equal({ _id: 'small', blob: 'x' });
    });

    it('refuses the oversized document alone in a batch, keeping the others', async () => {
      const error = await rejectionOf<MongoBulkWriteError>(
        files().insertMany([documentOf(1000), documentOf(TWO_MB + 1024), documentOf(2000)], { ordered: false }),
      );
      expect(error).to.be.instanceOf(MongoBulkWriteError);
      expect([error.writeErrors].flat().map((entry) => [entry.index, entry.code])).to.deep.equal([[1, 16]]);
      expect(await suite.db.collection('files').countDocuments()).to.equal(2);
    });

    it('refuses retryable writes (retryWrites=true) with 2, writing nothing', async () => {
      const client = await suite.target.connect({ retryWrites: true });
      const items = client.db(suite.db.databaseName).collection('items');
      for (const write of [() => items.insertOne({ a: 1 }), () => items.updateOne({}, { $set: { a: 2 } }, { upsert: true }), () => items.deleteOne({})]) {
        const error = await rejectionOf<MongoServerError>(write());
        expect(error.code).to.equal(2);
        expect(error.message).to.equal(RETRYABLE);
      }
      expect(await suite.db.collection('items').countDocuments()).to.equal(0);
      expect(suite.target.uri).to.match(/[?&]retrywrites=false(&|$)/i);
    });

    it('answers 115 CommandNotSupported for commands Cosmos DB 4.2 does not have', async () => {
      await suite.db.collection('items').insertOne({ a: 1 });
      for (const command of [{ collMod: 'items' }, { renameCollection: `${suite.db.databaseName}.items`, to: `${suite.db.databaseName}.other` }, { dataSize: `${suite.db.databaseName}.items` }]) {
        const database = 'renameCollection' in command ? suite.target.client.db('admin') : suite.db;
        const error = await rejectionOf<MongoServerError>(database.command(command));
        expect(error.code, JSON.stringify(command)).to.equal(115);
        expect(error.codeName).to.equal('CommandNotSupported');
      }
    });

    it('refuses $lookup with let/pipeline and the aggregation stages 4.2 lacks', async () => {
      const patients = suite.db.collection('patients');
      await patients.insertOne({ _id: 'p1' as never });
      const lookup = await rejectionOf<MongoServerError>(
        patients.aggregate([{ $lookup: { from: 'tests', let: { id: '$_id' }, pipeline: [{ $match: { $expr: { $eq: ['$patientId', '$$id'] } } }], as: 'tests' } }]).toArray(),
      );
      expect(lookup.message).to.equal('Unrecognized parameter to $lookup: let');
      const graph = await rejectionOf<MongoServerError>(
        patients.aggregate([{ $graphLookup: { from: 'patients', startWith: '$_id', connectFromField: '_id', connectToField: 'x', as: 'g' } }]).toArray(),
      );
      expect(graph.code).to.equal(40324);
      const bucket = await rejectionOf<MongoServerError>(patients.aggregate([{ $bucketAuto: { groupBy: '$_id', buckets: 2 } }]).toArray());
      expect(bucket.code).to.equal(40324);
    });
  });

  suite.mongodb(() => {
    it('takes a document over 2 MB, retryable writes and $lookup with a pipeline', async () => {
      await files().insertOne(documentOf(TWO_MB + 1024));
      const client = await suite.target.connect({ retryWrites: true });
      await client.db(suite.db.databaseName).collection('items').insertOne({ a: 1 });
      const patients = suite.db.collection('patients');
      await patients.insertOne({ _id: 'p1' as never });
      const joined = await patients.aggregate([{ $lookup: { from: 'items', pipeline: [{ $match: { a: 1 } }], as: 'items' } }]).toArray();
      expect(joined[0].items).to.have.length(1);
    });
  });
});
