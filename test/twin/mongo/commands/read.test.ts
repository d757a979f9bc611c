import { expect } from 'chai';
import type { CommandStartedEvent, MongoServerError } from 'mongodb';
import { Long } from 'mongodb';
import { rejectionOf } from '../support/expect-error';
import { describeContract, describeTwinOnly } from '../support/target';

describeContract('mongo twin contract: reads', (suite) => {

  async function seedPatients(): Promise<void> {
    await suite.db.collection('patients').insertMany([
      { _id: 'p1', name: 'Ada', age: 36, city: 'London', tags: ['a', 'b'], seen: new Date('2024-01-02') },
      { _id: 'p2', name: 'Grace', age: 85, city: 'New York', tags: ['b'], seen: new Date('2024-03-04') },
      { _id: 'p3', name: 'Alan', age: 41, city: 'London', tags: [], seen: new Date('2023-06-07'), address: { zip: 'W1' } },
      { _id: 'p4', name: 'Edsger', age: 72, city: 'Austin', tags: ['c'], seen: new Date('2024-05-06') },
    ] as never[]);
  }

  describe('find', () => {
    beforeEach(seedPatients);

    it('filters, sorts, skips, limits and projects', async () => {
      await suite.db.collection('patients').createIndex({ age: 1 });
      const found = await suite.db
        .collection('patients')
        .find({ age: { $gt: 40 } }, { projection: { _id: 0, name: 1 } })
        .sort({ age: -1 })
        .skip(1)
        .limit(2)
        .toArray();
      expect(found).to.deep.equal([{ name: 'Edsger' }, { name: 'Alan' }]);
    });

    it('supports $in, $or, regex, array membership, nested fields and dates', async () => {
      const patients = suite.db.collection('patients');
      const names = async (filter: object): Promise<string[]> =>
        (await patients.find(filter).sort({ _id: 1 }).toArray()).map((doc) => doc.name as string);
      expect(await names({ _id: { $in: ['p2', 'p4', 'nope'] } })).to.deep.equal(['Grace', 'Edsger']);
      expect(await names({ $or: [{ city: 'Austin' }, { age: { $lt: 40 } }] })).to.deep.equal(['Ada', 'Edsger']);
      expect(await names({ name: /^A/ })).to.deep.equal(['Ada', 'Alan']);
      expect(await names({ tags: 'b' })).to.deep.equal(['Ada', 'Grace']);
      expect(await names({ 'address.zip': 'W1' })).to.deep.equal(['Alan']);
      expect(await names({ seen: { $gte: new Date('2024-03-01') } })).to.deep.equal(['Grace', 'Edsger']);
      expect(await names({ address: { $exists: false }, city: 'London' })).to.deep.equal(['Ada']);
    });

    it('excludes fields with an exclusion projection', async () => {
      const found = await suite.db.collection('patients').findOne({ _id: 'p3' as never }, { projection: { tags: 0, seen: 0, address: 0 } });
      expect(found).to.deep.equal({ _id: 'p3', name: 'Alan', age: 41, city: 'London' });
    });

    it('finds by _id and by a uniquely indexed field', async () => {
      const staff = suite.db.collection('staff');
      await staff.createIndex({ name: 1 }, { unique: true });
      await staff.insertMany([{ _id: 's1', name: 'Ada' }, { _id: 's2', name: 'Alan', age: 41 }] as never[]);
      expect(await staff.findOne({ _id: 's1' as never })).to.deep.include({ name: 'Ada' });
      expect(await staff.findOne({ name: 'Alan' })).to.deep.include({ _id: 's2' });
      expect(await staff.findOne({ name: 'Alan', age: 99 })).to.equal(null);
      expect(await staff.findOne({ _id: 'missing' as never })).to.equal(null);
    });

    it('keeps index lookups in step with inserts, updates and deletes', async () => {
      const tests = suite.db.collection('tests');
      await tests.createIndex({ patientId: 1 });
      await tests.createIndex({ patientId: 1, code: 1 }, { unique: true });
      await tests.createIndex({ code: 1 });
      await tests.insertMany([
        { _id: 't1', patientId: 'p1', code: 'HB' },
        { _id: 't2', patientId: 'p1', code: 'K' },
        { _id: 't3', patientId: 'p2', code: 'HB' },
      ] as never[]);
      const ids = async (filter: object, sort?: object): Promise<string[]> =>
        (await tests.find(filter, { sort: sort as never }).toArray()).map((doc) => doc._id as unknown as string).sort();
      expect(await ids({ patientId: 'p1' })).to.deep.equal(['t1', 't2']);
      expect(await ids({ patientId: 'p1', code: 'K' })).to.deep.equal(['t2']);
      expect(await ids({ patientId: 'p1', code: { $ne: 'K' } })).to.deep.equal(['t1']);
      await tests.updateOne({ _id: 't2' as never }, { $set: { patientId: 'p2' } });
      expect(await ids({ patientId: 'p1' })).to.deep.equal(['t1']);
      expect(await ids({ patientId: 'p2' }, { code: 1 })).to.deep.equal(['t2', 't3']);
      await tests.deleteOne({ _id: 't3' as never });
      expect(await ids({ patientId: 'p2' })).to.deep.equal(['t2']);
      expect(await tests.findOne({ patientId: 'p2', code: 'HB' })).to.equal(null);
    });

    it('returns nothing from a collection that does not exist', async () => {
      expect(await suite.db.collection('nothing').find({}).toArray()).to.deep.equal([]);
    });

    describeTwinOnly('server-side JavaScript', () => {
      it('is refused, so no client can run code inside the twin', async () => {
        const patients = suite.db.collection('patients');
        const where = await rejectionOf<MongoServerError>(patients.find({ $where: 'this.age > 40' }).toArray());
        expect(where.code).to.equal(2);
        const fn = await rejectionOf<MongoServerError>(
          patients.aggregate([{ $project: { x: { $function: { body: 'function() { return 1 }', args: [], lang: 'js' } } } }]).toArray(),
        );
        expect(fn.code).to.equal(2);
      });
    });

    it('rejects an unknown query operator', async () => {
      const error = await rejectionOf<MongoServerError>(suite.db.collection('patients').find({ age: { $bogus: 1 } }).toArray());
      expect(error.code).to.equal(2);
    });
  });

  describe('cursors', () => {
    it('returns 250 documents in batches of 20 through getMore, in order', async () => {
      await suite.db.collection('rows').createIndex({ n: 1 });
      await suite.db.collection('rows').insertMany(Array.from({ length: 250 }, (_, n) => ({ _id: n as never, n })));
      const client = await suite.target.connect({ monitorCommands: true });
      const started: CommandStartedEvent[] = [];
      client.on('commandStarted', (event) => started.push(event));
      const rows = await client.db(suite.db.databaseName).collection('rows').find({}).sort({ n: 1 }).batchSize(20).toArray();
      expect(rows.map((row) => row.n as number)).to.deep.equal(Array.from({ length: 250 }, (_, n) => n));
      expect(started.filter((event) => event.commandName === 'getMore')).to.have.length(12);
    });

    it('honours limit across batches', async () => {
      await suite.db.collection('rows').insertMany(Array.from({ length: 100 }, (_, n) => ({ n })));
      const rows = await suite.db.collection('rows').find({}).batchSize(7).limit(30).toArray();
      expect(rows).to.have.length(30);
    });

    it('kills a cursor closed early, after which getMore answers CursorNotFound (43)', async () => {
      await suite.db.collection('rows').insertMany(Array.from({ length: 50 }, (_, n) => ({ n })));
      const reply = await suite.db.command({ find: 'rows', filter: {}, batchSize: 5 });
      const cursor = reply.cursor as { id: Long; firstBatch: unknown[] };
      expect(cursor.firstBatch).to.have.length(5);
      expect(Number(cursor.id)).to.not.equal(0);
      const more = await suite.db.command({ getMore: cursor.id, collection: 'rows', batchSize: 10 });
      expect((more.cursor as { nextBatch: unknown[] }).nextBatch).to.have.length(10);
      const killed = await suite.db.command({ killCursors: 'rows', cursors: [cursor.id] });
      expect((killed.cursorsKilled as Long[]).map(Number)).to.deep.equal([Number(cursor.id)]);
      const error = await rejectionOf<MongoServerError>(suite.db.command({ getMore: cursor.id, collection: 'rows' }));
      expect(error.code).to.equal(43);
    });

    it('closes a driver cursor that is abandoned before exhaustion', async () => {
      await suite.db.collection('rows').insertMany(Array.from({ length: 30 }, (_, n) => ({ n })));
      const client = await suite.target.connect({ monitorCommands: true });
      const started: string[] = [];
      client.on('commandStarted', (event) => started.push(event.commandName));
      const cursor = client.db(suite.db.databaseName).collection('rows').find({}).batchSize(5);
      expect(await cursor.next()).to.not.equal(null);
      await cursor.close();
      expect(started).to.include('killCursors');
    });
  });

  describe('counting and distinct', () => {
    beforeEach(seedPatients);

    it('counts with countDocuments (aggregate) and estimatedDocumentCount (count)', async () => {
      const patients = suite.db.collection('patients');
      expect(await patients.countDocuments()).to.equal(4);
      expect(await patients.countDocuments({ city: 'London' })).to.equal(2);
      expect(await patients.countDocuments({}, { skip: 1, limit: 2 })).to.equal(2);
      expect(await patients.estimatedDocumentCount()).to.equal(4);
      expect(await suite.db.collection('nothing').countDocuments()).to.equal(0);
      const raw = await suite.db.command({ count: 'patients', query: { age: { $gt: 40 } } });
      expect(raw.n).to.equal(3);
    });

    it('lists distinct values, unwinding arrays and honouring the filter', async () => {
      const patients = suite.db.collection('patients');
      expect((await patients.distinct('city')).sort()).to.deep.equal(['Austin', 'London', 'New York']);
      expect((await patients.distinct('tags')).sort()).to.deep.equal(['a', 'b', 'c']);
      expect(await patients.distinct('name', { city: 'Austin' })).to.deep.equal(['Edsger']);
    });
  });

  describe('aggregate', () => {
    beforeEach(seedPatients);

    it('runs $match, $group, $sort and $project', async () => {
      const result = await suite.db
        .collection('patients')
        .aggregate([
          { $match: { age: { $gt: 30 } } },
          { $group: { _id: '$city', count: { $sum: 1 }, oldest: { $max: '$age' } } },
          { $sort: { count: -1, _id: 1 } },
          { $project: { _id: 0, city: '$_id', count: 1, oldest: 1 } },
        ])
        .toArray();
      expect(result).to.deep.equal([
        { count: 2, oldest: 41, city: 'London' },
        { count: 1, oldest: 72, city: 'Austin' },
        { count: 1, oldest: 85, city: 'New York' },
      ]);
    });

    it('joins with $lookup in the same database', async () => {
      await suite.db.collection('tests').insertMany([{ patientId: 'p1', code: 'HB' }, { patientId: 'p1', code: 'K' }, { patientId: 'p2', code: 'HB' }]);
      const [ada] = await suite.db
        .collection('patients')
        .aggregate([
          { $match: { _id: 'p1' } },
          { $lookup: { from: 'tests', localField: '_id', foreignField: 'patientId', as: 'tests' } },
          { $project: { count: { $size: '$tests' } } },
        ])
        .toArray();
      expect(ada).to.deep.equal({ _id: 'p1', count: 2 });
    });

    it('does not change stored documents through $addFields', async () => {
      await suite.db.collection('patients').aggregate([{ $addFields: { name: 'changed' } }]).toArray();
      expect(await suite.db.collection('patients').findOne({ _id: 'p1' as never })).to.deep.include({ name: 'Ada' });
    });

    it('pages an aggregation cursor', async () => {
      await suite.db.collection('rows').createIndex({ n: 1 });
      await suite.db.collection('rows').insertMany(Array.from({ length: 45 }, (_, n) => ({ n })));
      const rows = await suite.db.collection('rows').aggregate([{ $sort: { n: -1 } }], { batchSize: 10 }).toArray();
      expect(rows.map((row) => row.n as number)).to.deep.equal(Array.from({ length: 45 }, (_, n) => 44 - n));
    });
  });
});
