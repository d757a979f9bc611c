import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient, type Collection } from 'mongodb';
import type { ProfileName } from './rules';
import { startTwinServer, type TwinServer } from './server';

/**
 * Throughput of the twin through the official driver: single inserts (sequential
 * and 16 concurrent callers, with and without group commit), point reads by `_id` and
 * by a uniquely indexed `id` (and, in the Cosmos profile, by `_id` in a collection with a
 * `_ts` TTL index, where every read also checks expiry), and, for contrast, a filter that has to scan.
 * Run: npx tsx twin/mongo/bench.ts [cosmos|mongodb]   (default cosmos)
 */
const profile: ProfileName = process.argv[2] === 'mongodb' ? 'mongodb' : 'cosmos';

interface Result {
  name: string;
  ops: number;
  seconds: number;
  latencies: number[];
  note?: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function report(result: Result): void {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const opsPerSecond = Math.round(result.ops / result.seconds);
  console.log(
    `${result.name.padEnd(50)} ${String(opsPerSecond).padStart(7)} ops/s   p50 ${percentile(sorted, 50).toFixed(2)} ms   p99 ${percentile(sorted, 99).toFixed(2)} ms` +
      (result.note ? `   ${result.note}` : ''),
  );
}

/** Runs `total` operations spread over `callers` concurrent loops, timing each. */
async function measure(name: string, callers: number, total: number, operation: (n: number) => Promise<unknown>): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) {
        const n = next++;
        const begin = performance.now();
        await operation(n);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  return { name, ops: total, seconds: (performance.now() - started) / 1000, latencies };
}

async function withTwin<T>(groupCommit: boolean, run: (twin: TwinServer, patients: Collection) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'mongo-twin-bench-'));
  const twin = await startTwinServer({ dir, groupCommit, profile });
  const client = new MongoClient(twin.uri, { maxPoolSize: 32 });
  try {
    await client.connect();
    return await run(twin, client.db('bench').collection('patients'));
  } finally {
    await client.close();
    await twin.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function patient(n: number, prefix: string): Record<string, unknown> {
  return { _id: `${prefix}-${n}`, id: `${prefix}-${n}`, name: `Patient ${n}`, dateOfBirth: '1980-01-01', postCode: 'SW1A 1AA', createdAt: new Date() };
}

async function insertRuns(groupCommit: boolean): Promise<void> {
  await withTwin(groupCommit, async (twin, patients) => {
    const label = groupCommit ? 'group commit' : 'fsync per write';
    await patients.insertOne({ warmup: true });
    let before = twin.journalStats();
    const sequential = await measure(`insertOne, sequential (${label})`, 1, 1000, (n) => patients.insertOne(patient(n, 'seq')));
    let after = twin.journalStats();
    sequential.note = `${((after.records - before.records) / (after.flushes - before.flushes)).toFixed(1)} records/fsync`;
    report(sequential);
    before = after;
    const concurrent = await measure(`insertOne, 16 concurrent (${label})`, 16, 4000, (n) => patients.insertOne(patient(n, 'con')));
    after = twin.journalStats();
    concurrent.note = `${((after.records - before.records) / (after.flushes - before.flushes)).toFixed(1)} records/fsync`;
    report(concurrent);
  });
}

async function readRuns(): Promise<void> {
  await withTwin(true, async (_twin, patients) => {
    const count = 10_000;
    await patients.createIndex({ id: 1 }, { unique: true });
    for (let start = 0; start < count; start += 1000) {
      await patients.insertMany(Array.from({ length: 1000 }, (_, offset) => patient(start + offset, 'p')));
    }
    report(await measure('findOne by _id, sequential', 1, 5000, (n) => patients.findOne({ _id: `p-${(n * 7919) % count}` as never })));
    report(await measure('findOne by _id, 16 concurrent', 16, 20_000, (n) => patients.findOne({ _id: `p-${(n * 7919) % count}` as never })));
    report(await measure('findOne by id (unique index), sequential', 1, 5000, (n) => patients.findOne({ id: `p-${(n * 7919) % count}` })));
    report(await measure('findOne by id (unique index), 16 concurrent', 16, 20_000, (n) => patients.findOne({ id: `p-${(n * 7919) % count}` })));
    report(await measure('find 20 by a scan filter (10k docs), sequential', 1, 200, (n) => patients.find({ name: { $regex: `^Patient ${n % 10}` } }).limit(20).toArray()));
    if (profile !== 'cosmos') return;
    const sessions = patients.db.collection('sessions');
    await sessions.createIndex({ _ts: 1 }, { expireAfterSeconds: 86_400 });
    for (let start = 0; start < count; start += 1000) {
      await sessions.insertMany(Array.from({ length: 1000 }, (_, offset) => patient(start + offset, 's')));
    }
    report(await measure('findOne by _id, TTL collection, sequential', 1, 5000, (n) => sessions.findOne({ _id: `s-${(n * 7919) % count}` as never })));
    report(await measure('findOne by _id, TTL collection, 16 concurrent', 16, 20_000, (n) => sessions.findOne({ _id: `s-${(n * 7919) % count}` as never })));
  });
}

async function main(): Promise<void> {
  console.log(`MongoDB twin bench (${profile} profile, node ${process.version}, official driver, journal in ${tmpdir()})`);
  await insertRuns(true);
  await insertRuns(false);
  await readRuns();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
