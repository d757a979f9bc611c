import { expect } from 'chai';
import type { MongoServerError } from 'mongodb';
import { rejectionOf } from '../support/expect-error';
import { describeTwinOnly } from '../support/target';
import { twinPool } from '../support/twins';

const FIREWALL = /^Error=13, Details='Request originated from IP 127\.0\.0\.1 through public internet\. This is blocked by your Cosmos DB account firewall settings\. More info: https:\/\/aka\.ms\/cosmosdb-tsg-forbidden\r\nActivityId: [0-9a-f-]{36}'$/;

describeTwinOnly('mongo twin, cosmos profile: an account with an IP firewall', () => {
  const pool = twinPool();
  afterEach(() => pool.closeAll());

  it("answers a connection from outside the allowed sources with Cosmos DB's firewall error after the handshake", async () => {
    const twin = await pool.start({ allowedSources: ['127.0.0.2/32'] });
    const client = pool.client(twin.uri);
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello.isWritablePrimary).to.equal(true);
    for (const attempt of [() => client.db('admin').command({ ping: 1 }), () => client.db('patients').collection('patients').findOne({})]) {
      const error = await rejectionOf<MongoServerError>(attempt());
      expect(error.code).to.equal(13);
      expect(error.message).to.match(FIREWALL);
    }
  });

  it('lets in a connection from an allowed address or range', async () => {
    const twin = await pool.start({ allowedSources: ['10.1.0.0/16', '127.0.0.0/30'] });
    for (const localAddress of ['127.0.0.1', '127.0.0.2']) {
      await pool.client(twin.uri, { localAddress }).db('patients').collection('patients').insertOne({ from: localAddress });
    }
    const outside = pool.client(twin.uri, { localAddress: '127.0.0.5' });
    expect((await rejectionOf<MongoServerError>(outside.db('patients').collection('patients').countDocuments())).code).to.equal(13);
  });

  it('refuses a blocked client before it can authenticate', async () => {
    const twin = await pool.start({ allowedSources: ['127.0.0.2'], credentials: { username: 'patients-db', password: 'a2V5' } });
    const error = await rejectionOf<MongoServerError>(pool.client(twin.uri).connect());
    expect(error.code).to.equal(13);
    expect(error.message).to.match(FIREWALL);
    await pool.client(twin.uri, { localAddress: '127.0.0.2' }).connect();
  });

  it('refuses a source that is not an IPv4 address or CIDR range', async () => {
    for (const source of ['10.0.0.0/33', '10.0.0', '::1', '10.0.0.0/8/1', '10.0.0.0/x']) {
      expect((await rejectionOf(pool.start({ allowedSources: [source] }))).message, source).to.contain('is not an IPv4 address or CIDR range');
    }
  });
});
