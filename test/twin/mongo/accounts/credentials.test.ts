import { expect } from 'chai';
import type { MongoServerError } from 'mongodb';
import { rejectionOf } from '../support/expect-error';
import { describeTwinOnly } from '../support/target';
import { twinPool } from '../support/twins';

const PATIENTS = { username: 'patients-db', password: 'cGF0aWVudHMta2V5LWJhc2U2NA+/==' };
const AUDIT = { username: 'audit-db', password: 'YXVkaXQta2V5LWJhc2U2NA+/==' };

/** The URI without its user information (and the account's appName, whose `@`s need credentials before them): a client that never authenticates. */
function anonymous(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//').replace(/&appName=[^&]*/, '');
}

describeTwinOnly('mongo twin, cosmos profile: an account with credentials', () => {
  const pool = twinPool();
  afterEach(() => pool.closeAll());

  it("gives a URI shaped like the account's connection string, credentials included", async () => {
    const twin = await pool.start({ credentials: PATIENTS });
    expect(twin.uri).to.equal(
      `mongodb://patients-db:${encodeURIComponent(PATIENTS.password)}@127.0.0.1:${twin.port}/?replicaSet=globaldb&retrywrites=false&maxIdleTimeMS=120000&appName=@patients-db@`,
    );
  });

  it('authenticates with the URI alone, and with SCRAM-SHA-1 or SCRAM-SHA-256 named', async () => {
    const twin = await pool.start({ credentials: PATIENTS });
    for (const authMechanism of [undefined, 'SCRAM-SHA-1', 'SCRAM-SHA-256'] as const) {
      const client = pool.client(twin.uri, { authMechanism });
      await client.connect();
      await client.db('patients').collection('patients').insertOne({ via: authMechanism ?? 'default' });
    }
    const client = pool.client(twin.uri);
    expect(await client.db('patients').collection('patients').countDocuments()).to.equal(3);
  });

  it("offers both SCRAM mechanisms to the account's user in hello", async () => {
    const twin = await pool.start({ credentials: PATIENTS });
    const client = pool.client(twin.uri);
    const hello = await client.db('admin').command({ hello: 1, saslSupportedMechs: 'admin.patients-db' });
    expect(hello.saslSupportedMechs).to.deep.equal(['SCRAM-SHA-1', 'SCRAM-SHA-256']);
    expect((await client.db('admin').command({ hello: 1, saslSupportedMechs: 'admin.someone' })).saslSupportedMechs).to.equal(undefined);
  });

  it('refuses a wrong key or an unknown user with 18 AuthenticationFailed', async () => {
    const twin = await pool.start({ credentials: PATIENTS });
    for (const uri of [twin.uri.replace('cGF0aWVudHM', 'd3Jvbmcta2V5'), twin.uri.replace('patients-db:', 'someone:')]) {
      for (const authMechanism of ['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const) {
        const error = await rejectionOf<MongoServerError>(pool.client(uri, { authMechanism }).connect());
        expect(error.code).to.equal(18);
        expect(error.codeName).to.equal('AuthenticationFailed');
        expect(error.message).to.not.contain(PATIENTS.password);
      }
    }
  });

  it('answers 13 "Not Authenticated" to anything but the handshake before authentication', async () => {
    const twin = await pool.start({ credentials: PATIENTS });
    const client = pool.client(anonymous(twin.uri));
    expect(await client.db('admin').command({ ping: 1 })).to.deep.include({ ok: 1 });
    for (const attempt of [
      () => client.db('patients').collection('patients').findOne({}),
      () => client.db('patients').collection('patients').insertOne({ a: 1 }),
      () => client.db('admin').admin().listDatabases(),
    ]) {
      const error = await rejectionOf<MongoServerError>(attempt());
      expect(error.code).to.equal(13);
      expect(error.codeName).to.equal('Unauthorized');
      expect(error.message).to.equal('Not Authenticated');
    }
    expect(await pool.client(twin.uri).db('patients').collection('patients').countDocuments()).to.equal(0);
  });

  it("keeps two accounts apart: one account's key does not open the other", async () => {
    const patients = await pool.start({ credentials: PATIENTS });
    const audit = await pool.start({ credentials: AUDIT });
    await pool.client(audit.uri).db('audit').collection('audits').insertOne({ secret: true });
    const patientsKeyOnAudit = `mongodb://patients-db:${encodeURIComponent(PATIENTS.password)}@127.0.0.1:${audit.port}/?replicaSet=globaldb&retrywrites=false`;
    expect((await rejectionOf<MongoServerError>(pool.client(patientsKeyOnAudit).connect())).code).to.equal(18);
    const auditKeyOnPatients = patients.uri.replace(encodeURIComponent(PATIENTS.password), encodeURIComponent(AUDIT.password));
    expect((await rejectionOf<MongoServerError>(pool.client(auditKeyOnPatients).connect())).code).to.equal(18);
  });

  it('refuses account settings in the mongodb profile and a key that is not printable ASCII', async () => {
    expect((await rejectionOf(pool.start({ profile: 'mongodb', credentials: PATIENTS }))).message).to.contain('use the cosmos profile');
    expect((await rejectionOf(pool.start({ credentials: { username: 'a', password: 'key with spaces' } }))).message).to.contain('printable ASCII');
  });
});
