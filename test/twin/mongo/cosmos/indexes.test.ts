import { expect } from 'chai';
import type { MongoServerError } from 'mongodb';
import { expectBackendError } from '../support/expect-cosmos';
import { rejectionOf } from '../support/expect-error';
import { COSMOS_TWIN, describeContract, describeTwinOnly, useTarget } from '../support/target';

const LOCKED = 'The unique index cannot be modified. To change the unique index, remove the collection and re-create a new one.';

describeContract('mongo twin contract: index rules', (suite) => {
  const indexNames = async (collection: string): Promise<string[]> => (await suite.db.collection(collection).indexes()).map((spec) => spec.name!);

  suite.cosmos(() => {
    it('refuses a compound index on a nested path with 115', async () => {
      const patients = suite.db.collection('patients');
      const error = await rejectionOf<MongoServerError>(patients.createIndex({ '_dateOfBirth.first': 1, '_dateOfBirth.last': 1 }));
      expect(error.code).to.equal(115);
      expect(error.codeName).to.equal('CommandNotSupported');
      expect(error.message).to.equal('Unique and compound indexes do not support nested paths.');
      const mixed = await rejectionOf<MongoServerError>(patients.createIndex({ status: 1, 'review.next': 1 }));
      expect(mixed.code).to.equal(115);
    });

    it('refuses a unique index on a nested path with 115, but builds a single-field one', async () => {
      const patients = suite.db.collection('patients');
      expect((await rejectionOf<MongoServerError>(patients.createIndex({ 'address.nhs': 1 }, { unique: true }))).code).to.equal(115);
      await patients.createIndex({ 'address.postCode': 1 });
      expect(await indexNames('patients')).to.deep.equal(['_id_', 'address.postCode_1']);
    });

    it("refuses expireAfterSeconds on any field but _ts with 2 and Cosmos DB's text", async () => {
      const sessions = suite.db.collection('sessions');
      const error = await rejectionOf<MongoServerError>(sessions.createIndex({ createdAt: 1 }, { expireAfterSeconds: 60 }));
      expect(error.code).to.equal(2);
      expect(error.codeName).to.equal('BadValue');
      expect(error.message).to.equal("The 'expireAfterSeconds' option is supported on '_ts' field only.");
      await sessions.createIndex({ _ts: 1 }, { expireAfterSeconds: 60 });
      expect(await sessions.indexes()).to.deep.include({ v: 2, key: { _ts: 1 }, name: '_ts_1', expireAfterSeconds: 60 });
    });

    it('refuses a unique index on a collection that holds documents with 13, Forbidden', async () => {
      const users = suite.db.collection('users');
      await users.insertOne({ email: 'a@x' });
      const error = await rejectionOf<MongoServerError>(users.createIndex({ email: 1 }, { unique: true }));
      expectBackendError(error, 13, 'Forbidden (403)', LOCKED);
      expect(error.codeName).to.equal('Unauthorized');
      expect(await indexNames('users')).to.deep.equal(['_id_']);
      await users.createIndex({ email: 1 });
      expect(await indexNames('users')).to.deep.equal(['_id_', 'email_1']);
    });

    it('takes `sparse` on a unique index but ignores it: documents without the field collide', async () => {
      const people = suite.db.collection('people');
      await people.createIndex({ nhs: 1 }, { unique: true, sparse: true });
      await people.insertOne({ name: 'a' });
      expect((await rejectionOf<MongoServerError>(people.insertOne({ name: 'b' }))).code).to.equal(11000);
    });
  });

  suite.mongodb(() => {
    it('builds compound and unique indexes on nested paths, TTL on any field, unique over existing documents', async () => {
      const patients = suite.db.collection('patients');
      await patients.insertOne({ email: 'a@x', address: { nhs: '1' } });
      await patients.createIndex({ '_dateOfBirth.first': 1, '_dateOfBirth.last': 1 });
      await patients.createIndex({ 'address.nhs': 1 }, { unique: true });
      await patients.createIndex({ createdAt: 1 }, { expireAfterSeconds: 60 });
      await patients.createIndex({ email: 1 }, { unique: true });
      expect(await indexNames('patients')).to.deep.equal(['_id_', '_dateOfBirth.first_1__dateOfBirth.last_1', 'address.nhs_1', 'createdAt_1', 'email_1']);
    });
  });
});

describeTwinOnly('mongo twin, cosmos profile with continuous backup: unique indexes only at creation', () => {
  const suite = useTarget(COSMOS_TWIN, { continuousBackup: true });

  it('refuses a unique index added to an existing collection, even an empty one, with 2, BadRequest', async () => {
    await suite.db.createCollection('users');
    const error = await rejectionOf<MongoServerError>(suite.db.collection('users').createIndex({ email: 1 }, { unique: true }));
    expectBackendError(error, 2, 'BadRequest (400)', LOCKED);
    expect(error.codeName).to.equal('BadValue');
    const implicit = await rejectionOf<MongoServerError>(suite.db.collection('fresh').createIndex({ email: 1 }, { unique: true }));
    expect(implicit.code).to.equal(2);
  });

  it('creates unique indexes together with the collection (CreateCollection) and never drops or changes them', async () => {
    await suite.db.command({
      customAction: 'CreateCollection',
      collection: 'users',
      indexes: [{ key: { _id: 1 }, name: '_id_' }, { key: { email: 1 }, name: 'email_1', unique: true }],
    });
    const users = suite.db.collection('users');
    await users.insertOne({ email: 'a@x' });
    expect((await rejectionOf<MongoServerError>(users.insertOne({ email: 'a@x' }))).code).to.equal(11000);
    expectBackendError(await rejectionOf<MongoServerError>(users.dropIndex('email_1')), 2, 'BadRequest (400)', LOCKED);
    expectBackendError(await rejectionOf<MongoServerError>(users.dropIndexes()), 2, 'BadRequest (400)', LOCKED);
    const update = await rejectionOf<MongoServerError>(
      suite.db.command({ customAction: 'UpdateCollection', collection: 'users', indexes: [{ key: { _id: 1 }, name: '_id_' }] }),
    );
    expectBackendError(update, 2, 'BadRequest (400)', LOCKED);
    expect((await users.indexes()).map((spec) => spec.name)).to.deep.equal(['_id_', 'email_1']);
  });

  it('still adds and drops non-unique indexes', async () => {
    const notes = suite.db.collection('notes');
    await notes.insertOne({ author: 'a' });
    await notes.createIndex({ author: 1 });
    await notes.dropIndex('author_1');
    expect((await notes.indexes()).map((spec) => spec.name)).to.deep.equal(['_id_']);
  });
});
