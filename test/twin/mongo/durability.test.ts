import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type MongoServerError } from 'mongodb';
import { frameRecord } from '../../../twin/mongo/journal';
import { JOURNAL_FILE, startTwinServer, type TwinServer } from '../../../twin/mongo/server';
import { expectedPayload } from './fixtures/crash-payload';
import { rejectionOf } from './support/expect-error';
import { describeTwinOnly } from './support/target';

const repoRoot = join(__dirname, '../../..');

describeTwinOnly('mongo twin durability', function () {
  let dir: string;
  const open: { twin?: TwinServer; client?: MongoClient }[] = [];

  async function start(): Promise<{ twin: TwinServer; client: MongoClient }> {
    const twin = await startTwinServer({ dir });
    const client = new MongoClient(twin.uri, { serverSelectionTimeoutMS: 5000, maxPoolSize: 40 });
    await client.connect();
    const pair = { twin, client };
    open.push(pair);
    return pair;
  }

  async function stop(pair: { twin?: TwinServer; client?: MongoClient }): Promise<void> {
    await pair.client?.close();
    await pair.twin?.close();
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mongo-twin-durability-'));
  });
  afterEach(async () => {
    for (const pair of open.splice(0)) await stop(pair);
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps documents, updates, deletes, collections and unique indexes across a restart', async () => {
    const first = await start();
    const db = first.client.db('clinic');
    await db.collection('patients').createIndex({ nhs: 1 }, { unique: true });
    await db.collection('patients').insertMany([{ _id: 'a', nhs: '1', v: 1 }, { _id: 'b', nhs: '2' }, { _id: 'c', nhs: '3' }] as never[]);
    await db.collection('patients').updateOne({ _id: 'a' as never }, { $inc: { v: 1 } });
    await db.collection('patients').deleteOne({ _id: 'c' as never });
    await db.createCollection('empty');
    await db.collection('scratch').insertOne({ x: 1 });
    await db.collection('scratch').drop();
    await stop(first);

    const second = await start();
    const again = second.client.db('clinic');
    expect(await again.collection('patients').find().sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 'a', nhs: '1', v: 2 },
      { _id: 'b', nhs: '2' },
    ]);
    expect((await again.listCollections().toArray()).map((info) => info.name).sort()).to.deep.equal(['empty', 'patients']);
    expect((await again.collection('patients').indexes()).map((spec) => spec.name)).to.deep.equal(['_id_', 'nhs_1']);
    expect((await rejectionOf<MongoServerError>(again.collection('patients').insertOne({ nhs: '2' }))).code).to.equal(11000);
  });

  it('drops a torn tail on restart and keeps every complete record', async () => {
    const first = await start();
    await first.client.db('clinic').collection('notes').insertMany(Array.from({ length: 20 }, (_, n) => ({ _id: n as never, text: `note ${n}` })));
    await stop(first);
    const journal = join(dir, JOURNAL_FILE);
    const intactSize = (await stat(journal)).size;
    const frame = frameRecord(Buffer.from('a record whose write was cut short by a crash, padded to be long enough'));
    await appendFile(journal, frame.subarray(0, frame.length - 10));

    const second = await start();
    expect(second.twin.recovery.droppedBytes).to.equal(frame.length - 10);
    expect(await second.client.db('clinic').collection('notes').countDocuments()).to.equal(20);
    await second.client.db('clinic').collection('notes').insertOne({ _id: 20 as never, text: 'after recovery' });
    await stop(second);
    expect((await stat(journal)).size).to.be.greaterThan(intactSize);

    const third = await start();
    expect(third.twin.recovery.droppedBytes).to.equal(0);
    expect(await third.client.db('clinic').collection('notes').countDocuments()).to.equal(21);
  });

  it('shares fsyncs among concurrent writers (group commit)', async () => {
    const { twin, client } = await start();
    const collection = client.db('clinic').collection('events');
    await collection.insertOne({ warmup: true });
    const before = twin.journalStats();
    await Promise.all(Array.from({ length: 32 }, (_, n) => collection.insertOne({ n })));
    const after = twin.journalStats();
    expect(after.records - before.records).to.equal(32);
    expect(after.flushes - before.flushes).to.be.lessThan(32);
  });

  it('refuses a second twin on a data directory in use', async () => {
    await start();
    const error = await rejectionOf(startTwinServer({ dir }));
    expect(error.message).to.match(/in use by another MongoDB twin/);
  });

  it('loses no acknowledged write when killed with SIGKILL mid-write (8 concurrent writers)', async function () {
    this.timeout(45_000);
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/crash-writer.ts'), dir, '8'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged: string[] = [];
    let stderr = '';
    let pending = '';
    let ready = false;
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const enoughAcks = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`crash writer too slow (ready=${ready}, acks=${acknowledged.length}): ${stderr}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith('ready ')) ready = true;
          else if (line.startsWith('ack ')) acknowledged.push(line.slice(4));
        }
        if (acknowledged.length >= 600) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('close', () => {
        clearTimeout(timer);
        if (acknowledged.length < 600) reject(new Error(`crash writer exited early: ${stderr}`));
      });
    });
    try {
      await enoughAcks;
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    const { twin, client } = await start();
    const stored = await client.db('crash').collection<{ _id: string; writer: number; seq: number; payload: string }>('records').find().toArray();
    const byId = new Map(stored.map((doc) => [doc._id, doc]));
    const recovered = acknowledged.filter((id) => {
      const doc = byId.get(id);
      return doc !== undefined && doc.payload === expectedPayload(id);
    });
    const malformed = stored.filter((doc) => doc.payload !== expectedPayload(doc._id) || doc._id !== `w${doc.writer}-${doc.seq}`);
    console.log(
      `      crash test: acknowledged ${acknowledged.length}, recovered ${recovered.length}, lost ${acknowledged.length - recovered.length}, ` +
        `stored ${stored.length} (${stored.length - recovered.length} written but not yet acknowledged), ` +
        `journal records replayed ${twin.recovery.records}, torn bytes dropped ${twin.recovery.droppedBytes}`,
    );
    expect(acknowledged.length).to.be.at.least(600);
    expect(recovered.length).to.equal(acknowledged.length);
    expect(malformed).to.deep.equal([]);
  });
});
