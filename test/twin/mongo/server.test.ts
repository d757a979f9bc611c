import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { deserialize, serialize } from 'bson';
import { MongoClient } from 'mongodb';
import { startMongoTwin } from '../../../twin/mongo';
import { loopbackHost } from '../../../twin/mongo/server';
import { rejectionOf } from './support/expect-error';
import { describeTwinOnly } from './support/target';

describeTwinOnly('mongo twin server', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mongo-twin-server-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [profile, query] of [
    ['cosmos', 'replicaSet=globaldb&retrywrites=false&maxIdleTimeMS=120000'],
    ['mongodb', 'directConnection=true'],
  ] as const) {
    it(`listens on an ephemeral loopback port and gives a URI the driver can use (${profile} profile)`, async () => {
      const twin = await startMongoTwin({ dir, port: 0, profile });
      try {
        expect(twin.host).to.equal('127.0.0.1');
        expect(twin.port).to.be.greaterThan(0);
        expect(twin.uri).to.equal(`mongodb://127.0.0.1:${twin.port}/?${query}`);
        const client = new MongoClient(twin.uri);
        try {
          expect(await client.db('admin').command({ ping: 1 })).to.deep.include({ ok: 1 });
        } finally {
          await client.close();
        }
      } finally {
        await twin.close();
      }
    });
  }

  it('refuses an unknown profile', async () => {
    const error = await rejectionOf(startMongoTwin({ dir, profile: 'postgres' as never }));
    expect(error.message).to.equal('unknown profile "postgres" (one of cosmos, mongodb)');
  });

  it('answers a legacy OP_QUERY isMaster with an OP_REPLY', async () => {
    const twin = await startMongoTwin({ dir });
    try {
      const query = Buffer.concat([Buffer.alloc(4), Buffer.from('admin.$cmd\0'), Buffer.alloc(4), Buffer.from([1, 0, 0, 0]), Buffer.from(serialize({ isMaster: 1 }))]);
      const header = Buffer.alloc(16);
      header.writeInt32LE(16 + query.length, 0);
      header.writeInt32LE(42, 4);
      header.writeInt32LE(2004, 12);
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect(twin.port, twin.host, () => socket.write(Buffer.concat([header, query])));
        let received = Buffer.alloc(0);
        socket.on('data', (chunk) => {
          received = Buffer.concat([received, chunk]);
          if (received.length >= 4 && received.length >= received.readInt32LE(0)) {
            socket.destroy();
            resolve(received);
          }
        });
        socket.on('error', reject);
      });
      expect(reply.readInt32LE(8)).to.equal(42);
      expect(reply.readInt32LE(12)).to.equal(1);
      expect(reply.readInt32LE(32)).to.equal(1);
      const doc = deserialize(reply.subarray(36));
      expect(doc).to.deep.include({ ismaster: true, ok: 1 });
    } finally {
      await twin.close();
    }
  });

  it('binds another 127.x address when asked', async () => {
    const twin = await startMongoTwin({ dir, host: '127.0.0.2' });
    try {
      expect(twin.uri).to.match(/^mongodb:\/\/127\.0\.0\.2:\d+\//);
    } finally {
      await twin.close();
    }
  });

  it('refuses any host that is not a 127.x.x.x address', async () => {
    for (const host of ['0.0.0.0', '10.0.0.5', '::', 'example.org', '127.0.0.300']) {
      const error = await rejectionOf(startMongoTwin({ dir, host }));
      expect(error.message).to.contain('binds loopback only');
    }
    expect(loopbackHost('localhost')).to.equal('127.0.0.1');
  });

  it('closes idempotently, releasing the data directory for the next twin', async () => {
    const twin = await startMongoTwin({ dir });
    await Promise.all([twin.close(), twin.close()]);
    const next = await startMongoTwin({ dir });
    await next.close();
  });
});
