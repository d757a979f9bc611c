import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startMongoTwin } from '../../../twin/mongo';
import { describeTwinOnly } from './support/target';

const repoRoot = join(__dirname, '../../..');

interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves when every process of the chain has closed its output. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runDb(args: string[]): Running {
  // detached: the npm → sh → tsx → node chain gets its own process group, signalled as a terminal would.
  const child = spawn('npm', ['run', '--silent', 'db', '--', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function waitFor(running: Running, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = running.output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; output: ${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeTwinOnly('npm run db (standalone MongoDB twin)', function () {
  this.timeout(30_000);
  let dir: string;
  let running: Running | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mongo-twin-main-'));
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      process.kill(-running.child.pid!, 'SIGKILL');
      await running.exited;
    }
    running = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a URI the driver can use and stops cleanly on SIGTERM, keeping the data', async () => {
    running = runDb(['--dir', dir, '--port', '0']);
    const [uri] = await waitFor(running, /mongodb:\/\/127\.0\.0\.1:\d+\/\?replicaSet=globaldb&retrywrites=false\S*/, 20_000);
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    try {
      await client.db('clinic').collection('patients').insertOne({ _id: 'p1' as never, name: 'Ada' });
    } finally {
      await client.close();
    }
    process.kill(-running.child.pid!, 'SIGTERM');
    const { code, signal } = await running.exited;
    // npm itself dies of the signal without waiting; the twin under it closes cleanly and says so.
    expect(code === 0 || signal === 'SIGTERM').to.equal(true);
    expect(running.output()).to.contain('MongoDB twin stopped (SIGTERM)');

    const twin = await startMongoTwin({ dir });
    const check = new MongoClient(twin.uri);
    try {
      expect(await check.db('clinic').collection('patients').findOne({ _id: 'p1' as never })).to.deep.equal({ _id: 'p1', name: 'Ada' });
    } finally {
      await check.close();
      await twin.close();
    }
  });

  it('runs the plain MongoDB profile when asked', async () => {
    running = runDb(['--dir', dir, '--port', '0', '--profile', 'mongodb']);
    const [uri] = await waitFor(running, /mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true/, 20_000);
    expect(running.output()).to.contain('MongoDB twin (mongodb profile) listening');
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    try {
      const rows = client.db('clinic').collection('rows');
      await rows.insertMany([{ n: 2 }, { n: 1 }]);
      expect((await rows.find({}, { projection: { _id: 0 } }).sort({ n: 1 }).toArray()).map((row) => row.n as number)).to.deep.equal([1, 2]);
    } finally {
      await client.close();
    }
  });

  it('refuses an unknown profile with a one-line message and a non-zero exit', async () => {
    running = runDb(['--dir', dir, '--profile', 'postgres']);
    expect((await running.exited).code).to.equal(1);
    expect(running.output()).to.contain("option '--profile <name>' argument 'postgres' is invalid. must be one of cosmos, mongodb");
  });

  it('refuses a non-loopback host with a one-line message and a non-zero exit', async () => {
    running = runDb(['--dir', dir, '--host', '0.0.0.0']);
    expect((await running.exited).code).to.equal(1);
    expect(running.output().trim()).to.equal('db: the MongoDB twin binds loopback only: host "0.0.0.0" is not a 127.x.x.x address');
  });
});
