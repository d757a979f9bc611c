import { expect } from 'chai';
import type { MongoServerError } from 'mongodb';
import { expectBackendError } from '../support/expect-cosmos';
import { rejectionOf } from '../support/expect-error';
import { describeContract } from '../support/target';

const EXCLUDED = 'The index path corresponding to the specified order-by item is excluded.';
const NO_COMPOSITE = 'The order by query does not have a corresponding composite index that it can be served from.';

describeContract('mongo twin contract: sorting and indexes', (suite) => {
  const seed = async (): Promise<void> => {
    await suite.db.collection('tests').insertMany([
      { _id: 't1', patientId: 'p1', created: '2024-01-03', code: 'HB', meta: { rank: 2 } },
      { _id: 't2', patientId: 'p1', created: '2024-01-01', code: 'K', meta: { rank: 1 } },
      { _id: 't3', patientId: 'p2', created: '2024-01-02', code: 'HB', meta: { rank: 3 } },
    ] as never[]);
  };
  const ids = (docs: { _id: unknown }[]): unknown[] => docs.map((doc) => doc._id);

  beforeEach(seed);

  it('sorts on _id alone with no other index, both directions', async () => {
    const tests = suite.db.collection('tests');
    expect(ids(await tests.find({}).sort({ _id: -1 }).toArray())).to.deep.equal(['t3', 't2', 't1']);
  });

  it('sorts on one field from a single-field index on it, in either direction', async () => {
    const tests = suite.db.collection('tests');
    await tests.createIndex({ created: -1 });
    expect(ids(await tests.find({}).sort({ created: 1 }).toArray())).to.deep.equal(['t2', 't3', 't1']);
    expect(ids(await tests.find({ patientId: 'p1' }).sort({ created: -1 }).toArray())).to.deep.equal(['t1', 't2']);
  });

  it('sorts on several fields from a compound index that matches them, or their full reverse', async () => {
    const tests = suite.db.collection('tests');
    await tests.createIndex({ code: 1, created: 1 });
    expect(ids(await tests.find({}).sort({ code: 1, created: 1 }).toArray())).to.deep.equal(['t3', 't1', 't2']);
    expect(ids(await tests.find({}).sort({ code: -1, created: -1 }).toArray())).to.deep.equal(['t2', 't1', 't3']);
  });

  it('sorts in an aggregation $sort and a findOneAndUpdate on one indexed field', async () => {
    const tests = suite.db.collection('tests');
    await tests.createIndex({ created: 1 });
    expect(ids(await tests.aggregate<{ _id: string }>([{ $match: { code: 'HB' } }, { $sort: { created: 1 } }]).toArray())).to.deep.equal(['t3', 't1']);
    const first = await tests.findOneAndUpdate({}, { $set: { taken: true } }, { sort: { created: 1 } });
    expect(first?._id).to.equal('t2');
  });

  it('sorts computed documents after $group whatever the indexes', async () => {
    const counts = await suite.db
      .collection('tests')
      .aggregate([{ $group: { _id: '$code', n: { $sum: 1 } } }, { $sort: { n: -1, _id: 1 } }])
      .toArray();
    expect(counts).to.deep.equal([{ _id: 'HB', n: 2 }, { _id: 'K', n: 1 }]);
  });

  suite.cosmos(() => {
    it("refuses a sort on a field no index serves with 2 and Cosmos DB's 'excluded' text", async () => {
      const tests = suite.db.collection('tests');
      const error = await rejectionOf<MongoServerError>(tests.find({}).sort({ created: 1 }).toArray());
      expectBackendError(error, 2, 'BadRequest (400)', EXCLUDED);
      expect(error.codeName).to.equal('BadValue');
      await tests.createIndex({ code: 1, created: 1 });
      expect((await rejectionOf<MongoServerError>(tests.find({}).sort({ created: 1 }).toArray())).code).to.equal(2);
    });

    it('refuses a multi-field sort without a compound index that matches it exactly', async () => {
      const tests = suite.db.collection('tests');
      await tests.createIndex({ created: 1 });
      await tests.createIndex({ _id: 1, created: 1 }, { name: 'id_created' });
      await tests.createIndex({ code: 1, created: 1 });
      const sorts: Record<string, 1 | -1>[] = [{ created: 1, _id: 1 }, { created: 1, code: 1 }, { code: 1, created: -1 }, { code: 1 }];
      for (const sort of sorts) {
        const error = await rejectionOf<MongoServerError>(tests.find({}).sort(sort).toArray());
        if (Object.keys(sort).length === 1) expectBackendError(error, 2, 'BadRequest (400)', EXCLUDED);
        else expectBackendError(error, 2, 'BadRequest (400)', NO_COMPOSITE);
      }
    });

    it('refuses an unserved $sort over the collection in aggregate, and in findOneAndUpdate', async () => {
      const tests = suite.db.collection('tests');
      const aggregate = await rejectionOf<MongoServerError>(tests.aggregate([{ $match: { code: 'HB' } }, { $sort: { created: 1 } }]).toArray());
      expectBackendError(aggregate, 2, 'BadRequest (400)', EXCLUDED);
      const findAndModify = await rejectionOf<MongoServerError>(tests.findOneAndUpdate({}, { $set: { x: 1 } }, { sort: { created: 1 } }));
      expectBackendError(findAndModify, 2, 'BadRequest (400)', EXCLUDED);
      expect(await tests.countDocuments({ x: 1 })).to.equal(0);
    });

    it('refuses a multi-field sort in findOneAndUpdate even with a matching compound index', async () => {
      const tests = suite.db.collection('tests');
      await tests.createIndex({ code: 1, created: 1 });
      const error = await rejectionOf<MongoServerError>(tests.findOneAndUpdate({}, { $set: { x: 1 } }, { sort: { code: 1, created: 1 } }));
      expectBackendError(error, 2, 'BadRequest (400)', NO_COMPOSITE);
    });

    it('serves a single-field sort from a wildcard index covering the field', async () => {
      const tests = suite.db.collection('tests');
      await tests.createIndex({ 'meta.$**': 1 });
      expect(ids(await tests.find({}).sort({ 'meta.rank': 1 }).toArray())).to.deep.equal(['t2', 't1', 't3']);
      expect((await rejectionOf<MongoServerError>(tests.find({}).sort({ created: 1 }).toArray())).code).to.equal(2);
    });
  });

  suite.mongodb(() => {
    it('sorts on any fields without an index', async () => {
      const tests = suite.db.collection('tests');
      expect(ids(await tests.find({}).sort({ created: 1, code: 1 }).toArray())).to.deep.equal(['t2', 't3', 't1']);
      const first = await tests.findOneAndUpdate({}, { $set: { taken: true } }, { sort: { code: -1, created: 1 } });
      expect(first?._id).to.equal('t2');
    });
  });
});
