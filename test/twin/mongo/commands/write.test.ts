import { expect } from 'chai';
import { Double, Long, MongoBulkWriteError, ObjectId, type MongoServerError } from 'mongodb';
import { expectDuplicateKey } from '../support/expect-duplicate';
import { rejectionOf } from '../support/expect-error';
import { describeContract } from '../support/target';

describeContract('mongo twin contract: writes', (suite) => {

  describe('insert', () => {
    it('stores a document with a generated ObjectId and reads it back', async () => {
      const result = await suite.db.collection('people').insertOne({ name: 'Ada', born: new Date('1815-12-10') });
      expect(result.insertedId).to.be.instanceOf(ObjectId);
      const found = await suite.db.collection('people').findOne({ _id: result.insertedId });
      expect(found).to.deep.equal({ _id: result.insertedId, name: 'Ada', born: new Date('1815-12-10') });
    });

    it('applies an unacknowledged (w: 0) insert, which gets no reply', async () => {
      const people = suite.db.collection('people');
      await people.insertOne({ _id: 'w0' as never, name: 'fire and forget' }, { writeConcern: { w: 0 } });
      const deadline = Date.now() + 5000;
      while (!(await people.findOne({ _id: 'w0' as never })) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await people.findOne({ _id: 'w0' as never })).to.deep.equal({ _id: 'w0', name: 'fire and forget' });
    });

    it('answers 11000 for a duplicate _id, keeping the first document', async () => {
      await suite.db.collection('people').insertOne({ _id: 'p1' as never, name: 'a' });
      const error = await rejectionOf<MongoServerError>(suite.db.collection('people').insertOne({ _id: 'p1' as never, name: 'b' }));
      expectDuplicateKey(suite, error, 'people', { index: '_id_', keyPattern: { _id: 1 }, keyValue: { _id: 'p1' }, dupKey: '{ _id: "p1" }' });
      expect(await suite.db.collection('people').findOne({ _id: 'p1' as never })).to.deep.include({ name: 'a' });
    });

    it('treats 1, 1.0 and NumberLong(1) as the same _id, and embedded documents by field order', async () => {
      const keys = suite.db.collection('keys');
      await keys.insertOne({ _id: 1 as never, kind: 'int' });
      expect((await rejectionOf<MongoServerError>(keys.insertOne({ _id: Long.fromNumber(1) as never }))).code).to.equal(11000);
      expect(await keys.findOne({ _id: new Double(1) })).to.deep.include({ kind: 'int' });
      await keys.insertOne({ _id: { a: 1, b: 2 } as never, kind: 'ab' });
      await keys.insertOne({ _id: { b: 2, a: 1 } as never, kind: 'ba' });
      expect((await rejectionOf<MongoServerError>(keys.insertOne({ _id: { a: 1, b: 2 } as never }))).code).to.equal(11000);
    });

    it('stops an ordered insertMany at the first error and keeps what came before', async () => {
      const people = suite.db.collection('people');
      const error = await rejectionOf<MongoBulkWriteError>(
        people.insertMany([{ _id: 1, n: 'a' }, { _id: 2, n: 'b' }, { _id: 1, n: 'dup' }, { _id: 3, n: 'c' }] as never[]),
      );
      expect(error).to.be.instanceOf(MongoBulkWriteError);
      expect(error.result.insertedCount).to.equal(2);
      expect(error.writeErrors).to.have.length(1);
      const [writeError] = [error.writeErrors].flat();
      expect(writeError.index).to.equal(2);
      expect(writeError.code).to.equal(11000);
      expect(await people.find().sort({ _id: 1 }).toArray()).to.deep.equal([{ _id: 1, n: 'a' }, { _id: 2, n: 'b' }]);
    });

    it('carries on past errors in an unordered insertMany', async () => {
      const people = suite.db.collection('people');
      const error = await rejectionOf<MongoBulkWriteError>(
        people.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }] as never[], { ordered: false }),
      );
      expect(error.result.insertedCount).to.equal(3);
      expect([error.writeErrors].flat().map((entry) => entry.index)).to.deep.equal([1, 3]);
      expect(await people.countDocuments()).to.equal(3);
    });
  });

  describe('update', () => {
    it('applies $set, $inc, $push and $unset and reports matched/modified counts', async () => {
      const people = suite.db.collection<{ _id: string; visits: number; tags: string[]; temp?: boolean; name?: string }>('people');
      await people.insertOne({ _id: 'p', visits: 1, tags: ['a'], temp: true });
      const result = await people.updateOne({ _id: 'p' }, { $set: { name: 'Ada' }, $inc: { visits: 2 }, $push: { tags: 'b' }, $unset: { temp: '' } });
      expect(result).to.deep.include({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
      expect(await people.findOne({ _id: 'p' })).to.deep.equal({ _id: 'p', visits: 3, tags: ['a', 'b'], name: 'Ada' });
    });

    it('counts a no-op update as matched but not modified', async () => {
      const people = suite.db.collection('people');
      await people.insertOne({ name: 'Ada' });
      const result = await people.updateOne({ name: 'Ada' }, { $set: { name: 'Ada' } });
      expect(result).to.deep.include({ matchedCount: 1, modifiedCount: 0 });
    });

    it('updates every match with updateMany and only the first with updateOne', async () => {
      const items = suite.db.collection('items');
      await items.createIndex({ n: 1 });
      await items.insertMany([{ kind: 'x', n: 0 }, { kind: 'x', n: 0 }, { kind: 'y', n: 0 }]);
      expect(await items.updateOne({ kind: 'x' }, { $inc: { n: 1 } })).to.deep.include({ matchedCount: 1, modifiedCount: 1 });
      expect(await items.updateMany({ kind: 'x' }, { $inc: { n: 10 } })).to.deep.include({ matchedCount: 2, modifiedCount: 2 });
      const totals = (await items.find({}, { projection: { _id: 0 } }).sort({ n: 1 }).toArray()).map((doc) => doc.n as number);
      expect(totals).to.deep.equal([0, 10, 11]);
    });

    it('replaces a document keeping its _id and refuses to change _id', async () => {
      const people = suite.db.collection('people');
      await people.insertOne({ _id: 'p' as never, name: 'Ada', extra: 1 });
      await people.replaceOne({ _id: 'p' as never }, { name: 'Grace' });
      expect(await people.findOne({ _id: 'p' as never })).to.deep.equal({ _id: 'p', name: 'Grace' });
      const error = await rejectionOf<MongoServerError>(people.replaceOne({ _id: 'p' as never }, { _id: 'q', name: 'x' }));
      expect(error.code).to.equal(66);
      const setError = await rejectionOf<MongoServerError>(people.updateOne({ _id: 'p' as never }, { $set: { _id: 'q' } }));
      expect(setError.code).to.equal(66);
    });

    it('upserts from the filter equality fields, applying $setOnInsert only on insert', async () => {
      const counters = suite.db.collection('counters');
      const first = await counters.updateOne({ key: 'k', region: 'eu' }, { $inc: { n: 1 }, $setOnInsert: { created: 'now' } }, { upsert: true });
      expect(first.upsertedCount).to.equal(1);
      expect(first.upsertedId).to.be.instanceOf(ObjectId);
      const second = await counters.updateOne({ key: 'k', region: 'eu' }, { $inc: { n: 1 }, $setOnInsert: { created: 'later' } }, { upsert: true });
      expect(second).to.deep.include({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
      expect(await counters.findOne({ key: 'k' }, { projection: { _id: 0 } })).to.deep.equal({ key: 'k', region: 'eu', n: 2, created: 'now' });
    });

    it('upserts a replacement document with the filter _id', async () => {
      const result = await suite.db.collection('docs').replaceOne({ _id: 'r1' as never }, { v: 1 }, { upsert: true });
      expect(result.upsertedId).to.equal('r1');
      expect(await suite.db.collection('docs').findOne({ _id: 'r1' as never })).to.deep.equal({ _id: 'r1', v: 1 });
    });

    it('applies arrayFilters', async () => {
      const orders = suite.db.collection('orders');
      await orders.insertOne({ _id: 'o' as never, lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 1 }] });
      await orders.updateOne({ _id: 'o' as never }, { $inc: { 'lines.$[line].qty': 5 } }, { arrayFilters: [{ 'line.sku': 'b' }] });
      expect((await orders.findOne({ _id: 'o' as never }))?.lines).to.deep.equal([{ sku: 'a', qty: 1 }, { sku: 'b', qty: 6 }]);
    });

    it('applies an aggregation-pipeline update', async () => {
      const people = suite.db.collection('people');
      await people.insertOne({ _id: 'p' as never, first: 'Ada', last: 'Lovelace' });
      await people.updateOne({ _id: 'p' as never }, [{ $set: { full: { $concat: ['$first', ' ', '$last'] } } }, { $unset: 'first' }]);
      expect(await people.findOne({ _id: 'p' as never })).to.deep.equal({ _id: 'p', last: 'Lovelace', full: 'Ada Lovelace' });
    });

    it('rejects an unknown update operator with FailedToParse (9)', async () => {
      await suite.db.collection('people').insertOne({ a: 1 });
      const error = await rejectionOf<MongoServerError>(suite.db.collection('people').updateOne({ a: 1 }, { $bogus: { a: 2 } }));
      expect(error.code).to.equal(9);
    });
  });

  describe('delete', () => {
    it('deletes one or many and reports the count', async () => {
      const items = suite.db.collection('items');
      await items.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }]);
      expect((await items.deleteOne({ k: 1 })).deletedCount).to.equal(1);
      expect((await items.deleteMany({ k: 1 })).deletedCount).to.equal(2);
      expect((await items.deleteMany({ k: 99 })).deletedCount).to.equal(0);
      expect(await items.countDocuments()).to.equal(1);
    });
  });

  describe('findAndModify', () => {
    it('returns the document before or after the update, projected and sorted', async () => {
      const jobs = suite.db.collection('jobs');
      await jobs.createIndex({ p: 1 });
      await jobs.insertMany([{ p: 2, state: 'new' }, { p: 5, state: 'new' }, { p: 1, state: 'new' }]);
      const before = await jobs.findOneAndUpdate({ state: 'new' }, { $set: { state: 'taken' } }, { sort: { p: -1 }, projection: { _id: 0 } });
      expect(before).to.deep.equal({ p: 5, state: 'new' });
      const after = await jobs.findOneAndUpdate({ state: 'new' }, { $set: { state: 'taken' } }, { sort: { p: -1 }, returnDocument: 'after', projection: { _id: 0, p: 1, state: 1 } });
      expect(after).to.deep.equal({ p: 2, state: 'taken' });
      expect(await jobs.findOneAndUpdate({ state: 'gone' }, { $set: { x: 1 } })).to.equal(null);
    });

    it('upserts, replaces and deletes', async () => {
      const jobs = suite.db.collection('jobs');
      const created = await jobs.findOneAndUpdate({ key: 'a' }, { $set: { v: 1 } }, { upsert: true, returnDocument: 'after' });
      expect(created).to.deep.include({ key: 'a', v: 1 });
      const replaced = await jobs.findOneAndReplace({ key: 'a' }, { key: 'a', v: 2 }, { returnDocument: 'after' });
      expect(replaced).to.deep.include({ key: 'a', v: 2 });
      expect(replaced?._id).to.deep.equal(created?._id);
      const removed = await jobs.findOneAndDelete({ key: 'a' });
      expect(removed).to.deep.include({ v: 2 });
      expect(await jobs.countDocuments()).to.equal(0);
    });

    it('returns full result metadata when asked', async () => {
      const jobs = suite.db.collection('jobs');
      const result = await jobs.findOneAndUpdate({ key: 'm' }, { $set: { v: 1 } }, { upsert: true, includeResultMetadata: true });
      expect(result.value).to.equal(null);
      expect(result.lastErrorObject).to.deep.include({ n: 1, updatedExisting: false });
      expect(result.lastErrorObject?.upserted).to.be.instanceOf(ObjectId);
    });
  });

  describe('unique indexes', () => {
    it('answers 11000 on insert, update and upsert that would duplicate a key', async () => {
      const users = suite.db.collection('users');
      await users.createIndex({ email: 1 }, { unique: true });
      await users.insertMany([{ email: 'a@x' }, { email: 'b@x' }]);
      const onInsert = await rejectionOf<MongoServerError>(users.insertOne({ email: 'a@x' }));
      expectDuplicateKey(suite, onInsert, 'users', { index: 'email_1', keyPattern: { email: 1 }, keyValue: { email: 'a@x' }, dupKey: '{ email: "a@x" }' });
      const onUpdate = await rejectionOf<MongoServerError>(users.updateOne({ email: 'b@x' }, { $set: { email: 'a@x' } }));
      expect(onUpdate.code).to.equal(11000);
      const onUpsert = await rejectionOf<MongoServerError>(users.updateOne({ email: 'c@x', other: 1 }, { $set: { email: 'a@x' } }, { upsert: true }));
      expect(onUpsert.code).to.equal(11000);
      const onFindAndModify = await rejectionOf<MongoServerError>(users.findOneAndUpdate({ email: 'b@x' }, { $set: { email: 'a@x' } }));
      expect(onFindAndModify.code).to.equal(11000);
      expect(await users.countDocuments()).to.equal(2);
      expect(await users.countDocuments({ email: 'b@x' })).to.equal(1);
    });

    it('enforces a compound unique index on the combination only', async () => {
      const tests = suite.db.collection('tests');
      await tests.createIndex({ patientId: 1, code: 1 }, { unique: true });
      await tests.insertMany([{ patientId: 'p1', code: 'HB' }, { patientId: 'p1', code: 'K' }, { patientId: 'p2', code: 'HB' }]);
      const error = await rejectionOf<MongoServerError>(tests.insertOne({ patientId: 'p1', code: 'HB' }));
      expectDuplicateKey(suite, error, 'tests', { index: 'patientId_1_code_1', keyPattern: { patientId: 1, code: 1 }, keyValue: { patientId: 'p1', code: 'HB' } });
    });

    it('lets exactly one of many concurrent inserts of the same key win', async () => {
      const users = suite.db.collection('users');
      await users.createIndex({ email: 1 }, { unique: true });
      const clients = await Promise.all(Array.from({ length: 16 }, () => suite.target.connect()));
      const outcomes = await Promise.allSettled(
        clients.map((client, writer) => client.db(suite.db.databaseName).collection('users').insertOne({ email: 'race@x', writer })),
      );
      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const losers = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      expect(winners).to.have.length(1);
      expect(losers.map((outcome) => (outcome.reason as MongoServerError).code)).to.deep.equal(Array(15).fill(11000));
      expect(await users.countDocuments({ email: 'race@x' })).to.equal(1);
    });
  });

  it('keeps every insert of 16 concurrent clients writing 50 documents each', async () => {
    const clients = await Promise.all(Array.from({ length: 16 }, () => suite.target.connect()));
    await Promise.all(
      clients.map(async (client, writer) => {
        const events = client.db(suite.db.databaseName).collection('events');
        for (let seq = 0; seq < 50; seq++) await events.insertOne({ _id: `${writer}-${seq}` as never, writer, seq });
      }),
    );
    const events = suite.db.collection('events');
    expect(await events.countDocuments()).to.equal(800);
    for (let writer = 0; writer < 16; writer++) expect(await events.countDocuments({ writer })).to.equal(50);
  });

  it('runs a mixed bulkWrite', async () => {
    const items = suite.db.collection('items');
    const result = await items.bulkWrite([
      { insertOne: { document: { _id: 1, v: 1 } } },
      { insertOne: { document: { _id: 2, v: 2 } } },
      { updateOne: { filter: { _id: 1 }, update: { $set: { v: 10 } } } },
      { deleteOne: { filter: { _id: 2 } } },
      { replaceOne: { filter: { _id: 3 }, replacement: { v: 3 }, upsert: true } },
    ] as never);
    expect(result).to.deep.include({ insertedCount: 2, matchedCount: 1, modifiedCount: 1, deletedCount: 1, upsertedCount: 1 });
    expect(await items.find().sort({ _id: 1 }).toArray()).to.deep.equal([{ _id: 1, v: 10 }, { _id: 3, v: 3 }]);
  });
});
