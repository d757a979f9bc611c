import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startMongoTwin } from '../../../twin/mongo';
import { readLocalStackStatus, runLocalStack, stopLocalStack } from '../../../twin/index';
import { LocalStackRunningError } from '../../../twin/stack/local-stack';
import { bootstrapLocalKeys, contractsWithPolicy, isAlive, removeDir, startLocalStack, tempDir } from '../../support/local-stack';

const patient = { firstName: 'Grace', gender: 'female', dateOfBirth: '1906-12-09', postCode: 'NY1' };

describe('local stack lifecycle', function () {
  this.timeout(90_000);
  const dirs: string[] = [];
  const dir = (prefix: string) => {
    const created = tempDir(prefix);
    dirs.push(created);
    return created;
  };
  after(() => dirs.forEach(removeDir));

  it('stops a running supervisor and all its processes; a restart keeps the data and the keys', async () => {
    const dataDir = dir('local-stack-life');
    const first = await startLocalStack({ ownProcess: true }, dataDir);
    const created = await first.gw.json('POST', '/patient', patient);
    expect(created.status).to.equal(201);
    const id = created.json<{ id: string }>().id;

    const status = await readLocalStackStatus(dataDir);
    expect(status.supervisorPid).to.be.a('number').and.not.equal(process.pid);
    const pids = status.processes.map((p) => p.pid!);
    expect(pids).to.have.length(5);

    let second: Error | undefined;
    await runLocalStack({ dataDir, port: 0, quiet: true }, { log: () => undefined }).catch((e: Error) => (second = e));
    expect(second).to.be.instanceOf(LocalStackRunningError).and.include({ dataDir, pid: status.supervisorPid });

    expect(await stopLocalStack(dataDir)).to.equal(true);
    await first.stop();
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).to.equal(false);
    expect((await readLocalStackStatus(dataDir)).running).to.equal(false);
    expect(await stopLocalStack(dataDir)).to.equal(false);
    for (const account of ['patients-data', 'audit-data']) expect(readFileSync(join(dataDir, 'logs', `${account}.log`), 'utf8')).to.contain('"msg":"closed"');

    const again = await startLocalStack({}, dataDir);
    try {
      expect(again.info.subscriptionKey).to.equal(first.info.subscriptionKey);
      const loaded = await again.gw.json('GET', `/patient/${id}`);
      expect(loaded.status).to.equal(200);
      expect(loaded.json()).to.include({ firstName: 'Grace' });
    } finally {
      await again.stop();
    }
    expect(existsSync(join(dataDir, 'stack.pid'))).to.equal(false);
  });

  it('starts --fresh as Azure is after the first pulumi up: earlier state gone, placeholders, only _master and default keys; the bootstrap makes it serve', async () => {
    const dataDir = dir('local-stack-fresh');
    const first = await startLocalStack({}, dataDir);
    const created = await first.gw.json('POST', '/patient', patient);
    expect(created.status).to.equal(201);
    const oldKey = first.secret('patient-api-host-key').value;
    await first.stop();

    const fresh = await startLocalStack({ fresh: true }, dataDir);
    try {
      expect(fresh.lines.join('\n')).to.contain('fresh start, as Azure after the first `pulumi up`');
      for (const app of ['patient-api', 'audit-api'] as const) {
        const secret = fresh.secret(`${app}-host-key`);
        expect(secret.tags, app).to.deep.equal({});
        // The placeholder is what the program's RandomPassword declares: 48 letters and digits.
        expect(secret.value, app).to.match(/^[A-Za-z0-9]{48}$/);
        expect(Object.keys(await fresh.hostKeys(app)), app).to.deep.equal(['default']);
        const keys = (await fresh.arm('POST', `${app}:/host/default/listkeys`)).json<{ masterKey: string; systemKeys: Record<string, string> }>();
        expect(keys.masterKey).to.be.a('string').with.length.greaterThan(30);
        expect(keys.systemKeys).to.deep.equal({});
        expect(statSync(join(dataDir, 'secrets', `function-host-keys-${app}.json`)).mode & 0o777).to.equal(0o600);
      }
      expect(fresh.secret('patient-api-host-key').value).to.not.equal(oldKey);
      // The gateway holds a placeholder the Patient API refuses.
      expect((await fresh.gw.json('POST', '/patient/search', {})).status).to.equal(401);

      await bootstrapLocalKeys(dataDir);
      expect((await fresh.gw.json('GET', `/patient/${created.json<{ id: string }>().id}`)).status).to.equal(404);
      expect((await fresh.gw.json('POST', '/patient', patient)).status).to.equal(201);
    } finally {
      await fresh.stop();
    }
  });

  it('refuses to start with a policy element the gateway does not implement, naming it, and leaves nothing running', async () => {
    const dataDir = dir('local-stack-policy');
    const contractsDir = contractsWithPolicy(dataDir, [['<base />', '<base />\n    <cors allow-credentials="false" />']]);
    let error: Error | undefined;
    await runLocalStack({ dataDir, port: 0, quiet: true, config: { contractsDir } }, { log: () => undefined }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/unsupported policy element <cors> in <inbound>/);
    expect((await readLocalStackStatus(dataDir)).running).to.equal(false);
  });

  it("enforces the declared policy's rate limit per subscription: 429, Retry-After and APIM's body", async () => {
    const dataDir = dir('local-stack-rate');
    // The first start's bootstrap verifies with more calls than this limit allows: keys first, then the limit.
    await (await startLocalStack({}, dataDir)).stop();
    const contractsDir = contractsWithPolicy(dataDir, [['calls="1200" renewal-period="60"', 'calls="3" renewal-period="90"']]);
    const f = await startLocalStack({ config: { contractsDir } }, dataDir);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await f.gw.json('GET', '/patient/00000000-0000-4000-8000-000000000000')).status);
      expect(statuses).to.deep.equal([404, 404, 404, 429]);
      const limited = await f.gw.json('GET', '/patient/00000000-0000-4000-8000-000000000000');
      expect(limited.status).to.equal(429);
      expect(Number(limited.headers['retry-after'])).to.be.within(1, 90);
      expect(limited.json<{ statusCode: number; message: string }>().message).to.match(/^Rate limit is exceeded\. Try again in \d+ seconds\.$/);
      const other = await f.gw.json('GET', '/patient/00000000-0000-4000-8000-000000000000', undefined, { key: f.info.complianceSubscriptionKey });
      expect(other.status).to.equal(404);
    } finally {
      await f.stop();
    }
  });

  it('uses an external database instead of the account twins when its URIs are given', async () => {
    const dataDir = dir('local-stack-external');
    const external = await startMongoTwin({ dir: join(dataDir, 'external-db'), profile: 'mongodb' });
    const f = await startLocalStack({ databaseUris: { patients: external.uri, audit: external.uri } }, dataDir);
    try {
      const status = await readLocalStackStatus(dataDir);
      expect(status.processes.map((p) => p.name)).to.deep.equal(['audit-api', 'patient-api', 'apim']);
      expect((await f.gw.json('POST', '/patient', patient)).status).to.equal(201);
      expect((await f.control('POST', '/faults/db', { kind: 'drop' })).status).to.equal(409);
      const client = await MongoClient.connect(external.uri);
      try {
        expect(await client.db('patients').collection('patients').countDocuments({ firstName: 'Grace' })).to.equal(1);
        expect(await client.db('audit').collection('audits').countDocuments({})).to.be.greaterThan(0);
      } finally {
        await client.close();
      }
    } finally {
      await f.stop();
      await external.close();
    }
  });
});
