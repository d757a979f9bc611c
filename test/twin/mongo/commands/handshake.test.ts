import { expect } from 'chai';
import { UUID, type MongoServerError } from 'mongodb';
import { rejectionOf } from '../support/expect-error';
import { describeContract, describeTwinOnly } from '../support/target';

describeContract('mongo twin contract: handshake, sessions and unknown commands', (suite) => {

  it('answers ping', async () => {
    expect(await suite.target.client.db('admin').command({ ping: 1 })).to.deep.include({ ok: 1 });
  });

  it('describes itself as a writable server in hello and buildInfo', async () => {
    const hello = await suite.target.client.db('admin').command({ hello: 1 });
    expect(hello.isWritablePrimary).to.equal(true);
    expect(hello.maxWireVersion).to.be.within(9, 29);
    expect(hello.logicalSessionTimeoutMinutes).to.be.a('number');
    const legacy = await suite.target.client.db('admin').command({ isMaster: 1 });
    expect(legacy.ismaster).to.equal(true);
    const info = await suite.target.client.db('admin').command({ buildInfo: 1 });
    expect(info.version).to.match(/^\d+\.\d+/);
  });

  it('answers an unknown command with CommandNotFound (59)', async () => {
    const error = await rejectionOf<MongoServerError>(suite.target.client.db('admin').command({ noSuchCommand: 1 }));
    expect(error.code).to.equal(59);
    expect(error.codeName).to.equal('CommandNotFound');
  });

  it('accepts operations inside an explicit session and ends it', async () => {
    const db = suite.db;
    const session = suite.target.client.startSession();
    try {
      await db.collection('s').insertOne({ a: 1 }, { session });
      expect(await db.collection('s').countDocuments({}, { session })).to.equal(1);
    } finally {
      await session.endSession();
    }
  });

  it('accepts endSessions and killSessions for given session ids', async () => {
    const admin = suite.target.client.db('admin');
    expect(await admin.command({ endSessions: [{ id: new UUID() }] })).to.deep.include({ ok: 1 });
    expect(await admin.command({ killSessions: [{ id: new UUID() }] })).to.deep.include({ ok: 1 });
  });

  describeTwinOnly('transactions (accepted, not isolated)', () => {
    it('commits a transaction through withTransaction', async () => {
      const db = suite.db;
      const session = suite.target.client.startSession();
      try {
        await session.withTransaction(async () => {
          await db.collection('t').insertOne({ a: 1 }, { session });
          await db.collection('t').insertOne({ a: 2 }, { session });
        });
      } finally {
        await session.endSession();
      }
      expect(await db.collection('t').countDocuments()).to.equal(2);
    });

    it('does not roll back on abort: writes inside the transaction are already applied', async () => {
      const db = suite.db;
      const session = suite.target.client.startSession();
      try {
        session.startTransaction();
        await db.collection('t').insertOne({ a: 1 }, { session });
        await session.abortTransaction();
      } finally {
        await session.endSession();
      }
      expect(await db.collection('t').countDocuments()).to.equal(1);
    });
  });
});
