import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Double, Long, MongoClient, type Collection, type Document } from 'mongodb';
import { startTwinServer, type TwinServer, type TwinServerOptions } from '../../../../twin/mongo/server';
import { describeTwinOnly } from '../support/target';

describeTwinOnly('mongo twin, cosmos profile: time to live on _ts', () => {
  let dir: string;
  let now: number;
  const running: { twin: TwinServer; client: MongoClient }[] = [];

  async function start(options: Partial<TwinServerOptions> = {}): Promise<MongoClient> {
    const twin = await startTwinServer({ dir, clock: () => now, ttlSweepIntervalMs: 60_000, ...options });
    const client = new MongoClient(twin.uri, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    running.push({ twin, client });
    return client;
  }

  async function stopAll(): Promise<void> {
    for (const { twin, client } of running.splice(0)) {
      await client.close();
      await twin.close();
    }
  }

  const advance = (seconds: number): void => {
    now += seconds * 1000;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mongo-twin-ttl-'));
    now = Date.UTC(2025, 0, 1, 12, 0, 0);
  });
  afterEach(async () => {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  async function sessions(expireAfterSeconds: number): Promise<Collection<Document>> {
    const client = await start();
    const collection = client.db('clinic').collection('sessions');
    await collection.createIndex({ _ts: 1 }, { expireAfterSeconds });
    return collection;
  }

  const ids = async (collection: Collection<Document>): Promise<unknown[]> => (await collection.find({}).sort({ _id: 1 }).toArray()).map((doc) => doc._id);

  it('keeps _ts from clients: a read returns the document as written', async () => {
    const collection = await sessions(60);
    await collection.insertOne({ _id: 's1' as never, user: 'a' });
    expect(await collection.findOne({ _id: 's1' as never })).to.deep.equal({ _id: 's1', user: 'a' });
  });

  it('hides a document from every read once expireAfterSeconds have passed since its last write', async () => {
    const collection = await sessions(60);
    await collection.insertMany([{ _id: 's1', user: 'a' }, { _id: 's2', user: 'b' }] as never[]);
    advance(30);
    await collection.updateOne({ _id: 's2' as never }, { $set: { seen: true } });
    advance(30);
    expect(await ids(collection)).to.deep.equal(['s2']);
    expect(await collection.findOne({ _id: 's1' as never })).to.equal(null);
    expect(await collection.countDocuments()).to.equal(1);
    expect(await collection.estimatedDocumentCount()).to.equal(1);
    expect(await collection.distinct('user')).to.deep.equal(['b']);
    expect((await collection.aggregate<{ _id: string }>([{ $match: {} }]).toArray()).map((doc) => doc._id)).to.deep.equal(['s2']);
    expect((await collection.updateOne({ _id: 's1' as never }, { $set: { back: true } })).matchedCount).to.equal(0);
    advance(30);
    expect(await ids(collection)).to.deep.equal([]);
  });

  it('lets a new document take the _id and unique key of an expired one', async () => {
    const client = await start();
    await client.db('clinic').command({
      customAction: 'CreateCollection',
      collection: 'keys',
      indexes: [{ key: { _id: 1 }, name: '_id_' }, { key: { key: 1 }, name: 'key_1', unique: true }, { key: { _ts: 1 }, name: 'ttl', expireAfterSeconds: 10 }],
    });
    const keys = client.db('clinic').collection('keys');
    await keys.insertOne({ _id: 'k1' as never, key: 'a', v: 1 });
    advance(11);
    await keys.insertOne({ _id: 'k1' as never, key: 'a', v: 2 });
    await keys.insertOne({ _id: 'k2' as never, key: 'b' });
    expect(await keys.find({}).sort({ _id: 1 }).toArray()).to.deep.equal([{ _id: 'k1', key: 'a', v: 2 }, { _id: 'k2', key: 'b' }]);
  });

  it("follows a document's own ttl: an int32 (or an integral double or int64 that fits) overrides, -1 never expires, others are ignored", async () => {
    const collection = await sessions(100);
    await collection.insertMany([
      { _id: 'short', ttl: 5 },
      { _id: 'double', ttl: new Double(5) },
      { _id: 'long', ttl: Long.fromNumber(5) },
      { _id: 'never', ttl: -1 },
      { _id: 'fraction', ttl: 5.5 },
      { _id: 'huge', ttl: Long.fromString('2147483649') },
      { _id: 'text', ttl: '5' },
      { _id: 'plain' },
    ] as never[]);
    advance(6);
    expect(await ids(collection)).to.deep.equal(['fraction', 'huge', 'never', 'plain', 'text']);
    advance(100);
    expect(await ids(collection)).to.deep.equal(['never']);
  });

  it('expires only documents with their own ttl when the default is -1', async () => {
    const collection = await sessions(-1);
    await collection.insertMany([{ _id: 'a', ttl: 10 }, { _id: 'b' }] as never[]);
    advance(3600);
    expect(await ids(collection)).to.deep.equal(['b']);
  });

  it('ignores a ttl field in a collection without a TTL index', async () => {
    const client = await start();
    const notes = client.db('clinic').collection('notes');
    await notes.insertOne({ _id: 'n1' as never, ttl: 1 });
    advance(3600);
    expect(await notes.countDocuments()).to.equal(1);
  });

  it('deletes expired documents in the background, durably, and keeps write times across a restart', async () => {
    const collection = await sessions(60);
    await collection.insertMany([{ _id: 'old' }, { _id: 'fresh' }] as never[]);
    advance(50);
    await collection.updateOne({ _id: 'fresh' as never }, { $set: { touched: true } });
    await stopAll();

    advance(20);
    const restarted = (await start()).db('clinic').collection('sessions');
    expect(await ids(restarted)).to.deep.equal(['fresh']);
    await stopAll();

    // The plain profile has no TTL: what it still finds is what the journal still holds.
    const plain = (await start({ profile: 'mongodb' })).db('clinic').collection('sessions');
    expect(await ids(plain)).to.deep.equal(['fresh', 'old']);
    await stopAll();

    await start({ ttlSweepIntervalMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stopAll();
    const afterSweep = (await start({ profile: 'mongodb' })).db('clinic').collection('sessions');
    expect(await ids(afterSweep)).to.deep.equal(['fresh']);
  });

  it('keeps a _ts TTL index inert in the mongodb profile', async () => {
    const client = await start({ profile: 'mongodb' });
    const collection = client.db('clinic').collection('sessions');
    await collection.createIndex({ _ts: 1 }, { expireAfterSeconds: 1 });
    await collection.insertOne({ _id: 's1' as never, ttl: 1 });
    advance(3600);
    expect(await collection.countDocuments()).to.equal(1);
  });
});
