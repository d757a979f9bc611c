import { expect } from 'chai';
import type { MongoServerError } from 'mongodb';
import { rejectionOf } from '../support/expect-error';
import { describeContract } from '../support/target';

describeContract('mongo twin contract: catalog and indexes', (suite) => {

  describe('collections and databases', () => {
    it('creates collections explicitly and implicitly and lists them, filtered by name', async () => {
      await suite.db.createCollection('explicit');
      await suite.db.collection('implicit').insertOne({ a: 1 });
      const names = (await suite.db.listCollections().toArray()).map((info) => info.name).sort();
      expect(names).to.deep.equal(['explicit', 'implicit']);
      const filtered = await suite.db.listCollections({ name: 'implicit' }).toArray();
      expect(filtered).to.have.length(1);
      expect(filtered[0]).to.deep.include({ name: 'implicit', type: 'collection' });
      const nameOnly = await suite.db.listCollections({}, { nameOnly: true }).toArray();
      expect(nameOnly.map((info) => info.name).sort()).to.deep.equal(['explicit', 'implicit']);
    });

    it('pages listCollections through a cursor', async () => {
      for (let n = 0; n < 7; n++) await suite.db.createCollection(`c${n}`);
      const infos = await suite.db.listCollections({}, { batchSize: 2 }).toArray();
      expect(infos).to.have.length(7);
    });

    it('accepts creating an existing collection with the same options, refuses different ones with 48', async () => {
      await suite.db.createCollection('once');
      await suite.db.command({ create: 'once' });
      const error = await rejectionOf<MongoServerError>(suite.db.command({ create: 'once', capped: true, size: 4096 }));
      expect(error.code).to.equal(48);
      expect(error.codeName).to.equal('NamespaceExists');
    });

    it('drops a collection and its documents', async () => {
      await suite.db.collection('gone').insertOne({ a: 1 });
      expect(await suite.db.collection('gone').drop()).to.equal(true);
      expect((await suite.db.listCollections({ name: 'gone' }).toArray()).length).to.equal(0);
      expect(await suite.db.collection('gone').countDocuments()).to.equal(0);
    });

    it('lists databases that hold data and forgets a dropped one', async () => {
      await suite.db.collection('x').insertOne({ a: 1 });
      const listed = await suite.target.client.db('admin').admin().listDatabases();
      expect(listed.databases.map((entry) => entry.name)).to.include(suite.db.databaseName);
      expect(await suite.db.dropDatabase()).to.equal(true);
      const after = await suite.target.client.db('admin').admin().listDatabases({ nameOnly: true });
      expect(after.databases.map((entry) => entry.name)).to.not.include(suite.db.databaseName);
      expect(await suite.db.collection('x').countDocuments()).to.equal(0);
    });
  });

  describe('indexes', () => {
    it('creates, lists and drops indexes', async () => {
      const tests = suite.db.collection('tests');
      expect(await tests.createIndex({ patientId: 1 })).to.equal('patientId_1');
      expect(await tests.createIndex({ patientId: 1, code: -1 }, { unique: true, name: 'by_patient_code' })).to.equal('by_patient_code');
      const listed = await tests.listIndexes().toArray();
      expect(listed.map((spec: { name?: string }) => spec.name)).to.deep.equal(['_id_', 'patientId_1', 'by_patient_code']);
      expect(listed[2]).to.deep.include({ key: { patientId: 1, code: -1 }, unique: true });
      await tests.dropIndex('patientId_1');
      expect((await tests.indexes()).map((spec) => spec.name)).to.deep.equal(['_id_', 'by_patient_code']);
      await tests.dropIndexes();
      expect((await tests.indexes()).map((spec) => spec.name)).to.deep.equal(['_id_']);
    });

    it('pages listIndexes through a cursor', async () => {
      const tests = suite.db.collection('tests');
      for (const field of ['a', 'b', 'c', 'd', 'e']) await tests.createIndex({ [field]: 1 });
      const listed = await tests.listIndexes({ batchSize: 2 }).toArray();
      expect(listed).to.have.length(6);
    });

    it('treats re-creating an identical index as a no-op', async () => {
      const tests = suite.db.collection('tests');
      await tests.createIndex({ a: 1 }, { unique: true });
      await tests.createIndex({ a: 1 }, { unique: true });
      expect(await tests.indexes()).to.have.length(2);
    });

    it('refuses conflicting index definitions', async () => {
      const tests = suite.db.collection('tests');
      await tests.createIndex({ a: 1 }, { name: 'idx' });
      const sameNameOtherKey = await rejectionOf<MongoServerError>(tests.createIndex({ b: 1 }, { name: 'idx' }));
      expect(sameNameOtherKey.code).to.equal(86);
      const sameKeyOtherName = await rejectionOf<MongoServerError>(tests.createIndex({ a: 1 }, { name: 'other' }));
      expect(sameKeyOtherName.code).to.equal(85);
    });

    suite.mongodb(() => {
      it('refuses a unique index over existing duplicates with 11000', async () => {
        const users = suite.db.collection('users');
        await users.insertMany([{ email: 'a' }, { email: 'a' }]);
        const error = await rejectionOf<MongoServerError>(users.createIndex({ email: 1 }, { unique: true }));
        expect(error.code).to.equal(11000);
        expect((await users.indexes()).map((spec) => spec.name)).to.deep.equal(['_id_']);
      });
    });

    it('answers IndexNotFound (27), InvalidOptions for _id_ (72) and NamespaceNotFound (26)', async () => {
      const tests = suite.db.collection('tests');
      await tests.insertOne({ a: 1 });
      expect((await rejectionOf<MongoServerError>(tests.dropIndex('nope'))).code).to.equal(27);
      expect((await rejectionOf<MongoServerError>(tests.dropIndex('_id_'))).code).to.equal(72);
      expect((await rejectionOf<MongoServerError>(suite.db.collection('missing').listIndexes().toArray())).code).to.equal(26);
    });

    suite.mongodb(() => {
      it('ignores documents outside a sparse unique index', async () => {
        const sparse = suite.db.collection('sparse');
        await sparse.createIndex({ nhs: 1 }, { unique: true, sparse: true });
        await sparse.insertMany([{ name: 'a' }, { name: 'b' }, { nhs: '1' }]);
        expect((await rejectionOf<MongoServerError>(sparse.insertOne({ nhs: '1' }))).code).to.equal(11000);
      });
    });

    it('ignores documents outside a partial unique index', async () => {
      const partial = suite.db.collection('partial');
      await partial.createIndex({ key: 1 }, { unique: true, partialFilterExpression: { active: true } });
      await partial.insertMany([{ key: 'k', active: false }, { key: 'k', active: false }, { key: 'k', active: true }]);
      expect((await rejectionOf<MongoServerError>(partial.insertOne({ key: 'k', active: true }))).code).to.equal(11000);
    });
  });
});
