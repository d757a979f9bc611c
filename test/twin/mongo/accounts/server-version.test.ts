import { expect } from 'chai';
import { MONGODB_SERVER_VERSION } from '../../../../contracts/collections';
import { rejectionOf } from '../support/expect-error';
import { describeTwinOnly } from '../support/target';
import { twinPool } from '../support/twins';

describeTwinOnly("mongo twin, cosmos profile: the account's server version decides who can connect", () => {
  const pool = twinPool();
  afterEach(() => pool.closeAll());

  it('reports the wire version of its declared server version, and the apps\' driver refuses a 4.2 account', async () => {
    const old = await pool.start({ serverVersion: '4.2' });
    const refused = await rejectionOf(pool.client(old.uri, { serverSelectionTimeoutMS: 1500 }).connect());
    expect(String(refused)).to.match(/wire version 8|requires at least 9|MongoDB 4\.4/);
  });

  it(`accepts the driver at the version the stack declares (${MONGODB_SERVER_VERSION})`, async () => {
    const twin = await pool.start({ serverVersion: MONGODB_SERVER_VERSION });
    const client = pool.client(twin.uri);
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello.maxWireVersion).to.equal(21);
    expect((await client.db('admin').command({ buildInfo: 1 })).version).to.equal(`${MONGODB_SERVER_VERSION}.0`);
  });
});
