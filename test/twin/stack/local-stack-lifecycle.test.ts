import { expect } from 'chai';
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startMongoTwin } from '../../../twin/mongo';
import { readLocalStackStatus, runLocalStack, stopLocalStack, type LocalStackInfo } from '../../../twin/stack';
import { call } from '../support';
import { bootstrapLocalKeys, removeDir, startStackFixture } from './stack-fixture';

const contractPolicy = readFileSync(join(__dirname, '..', '..', '..', 'contracts', 'apim-policy.xml'), 'utf8');
const patientBody = JSON.stringify({ firstName: 'Grace', gender: 'female', dateOfBirth: '1906-12-09', postCode: 'NY1' });

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local stack lifecycle', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-stack-life-'));
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach(removeDir));

  it('stops a running supervisor and all its processes; a restart keeps the data and the keys', async () => {
    const dataDir = tempDir();
    const supervisor = fork(join(__dirname, '..', 'fixtures', 'run-stack.ts'), [dataDir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
    const info = await new Promise<LocalStackInfo>((resolve, reject) => {
      supervisor.once('message', (m: { ready?: LocalStackInfo; failed?: string }) => (m.ready ? resolve(m.ready) : reject(new Error(m.failed))));
    });
    const created = await call(`${info.gatewayUrl}/patient`, { method: 'POST', headers: { 'ocp-apim-subscription-key': info.subscriptionKey, 'content-type': 'application/json' }, body: patientBody });
    expect(created.status).to.equal(201);
    const id = created.json<{ id: string }>().id;

    const status = await readLocalStackStatus(dataDir);
    expect(status.supervisorPid).to.equal(supervisor.pid);
    const pids = status.processes.map((p) => p.pid!);
    expect(pids).to.have.length(4);

    let second: Error | undefined;
    await runLocalStack({ dataDir, port: 0, quiet: true }, { log: () => undefined }).catch((e: Error) => (second = e));
    expect(second?.message).to.match(/already running/);

    expect(await stopLocalStack(dataDir)).to.equal(true);
    expect(await exited).to.equal(0);
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).to.equal(false);
    expect((await readLocalStackStatus(dataDir)).running).to.equal(false);
    expect(await stopLocalStack(dataDir)).to.equal(false);
    expect(readFileSync(join(dataDir, 'logs', 'db.log'), 'utf8')).to.contain('"msg":"closed"');

    const again = await startStackFixture({}, dataDir);
    try {
      expect(again.stack.info.subscriptionKey).to.equal(info.subscriptionKey);
      const loaded = await again.gateway('GET', `/patient/${id}`);
      expect(loaded.status).to.equal(200);
      expect(loaded.json()).to.include({ firstName: 'Grace' });
    } finally {
      await again.close();
    }
    expect(existsSync(join(dataDir, 'stack.pid'))).to.equal(false);
  });

  it('starts --fresh as Azure is after the first pulumi up: earlier state gone, placeholders, only _master and default keys; the bootstrap makes it serve', async () => {
    const dataDir = tempDir();
    const first = await startStackFixture({}, dataDir);
    const created = await first.gateway('POST', '/patient', { body: JSON.parse(patientBody) as unknown });
    expect(created.status).to.equal(201);
    const oldKey = first.secret('patient-api-host-key').value;
    await first.close();

    const fresh = await startStackFixture({ fresh: true }, dataDir);
    try {
      expect(fresh.lines.join('\n')).to.contain('fresh start, as Azure after the first `pulumi up`');
      for (const app of ['patient-api', 'audit-api'] as const) {
        const secret = fresh.secret(`${app}-host-key`);
        expect(secret.tags, app).to.deep.equal({});
        expect(Object.keys(await fresh.hostKeys(app)), app).to.deep.equal(['default']);
        const keys = (await fresh.arm('POST', `${app}:/host/default/listkeys`)).json<{ masterKey: string; systemKeys: Record<string, string> }>();
        expect(keys.masterKey).to.be.a('string').with.length.greaterThan(30);
        expect(keys.systemKeys).to.deep.equal({});
        expect(statSync(join(dataDir, 'secrets', `function-host-keys-${app}.json`)).mode & 0o777).to.equal(0o600);
      }
      expect(fresh.secret('patient-api-host-key').value).to.not.equal(oldKey);
      // The gateway holds a placeholder the Patient API refuses.
      expect((await fresh.gateway('POST', '/patient/search', { body: {} })).status).to.equal(401);

      await bootstrapLocalKeys(dataDir);
      expect((await fresh.gateway('GET', `/patient/${created.json<{ id: string }>().id}`)).status).to.equal(404);
      expect((await fresh.gateway('POST', '/patient', { body: JSON.parse(patientBody) as unknown })).status).to.equal(201);
    } finally {
      await fresh.close();
    }
  });

  it('refuses to start with a policy element the gateway does not implement, naming it, and leaves nothing running', async () => {
    const dataDir = tempDir();
    const policyFile = join(dataDir, 'policy.xml');
    writeFileSync(policyFile, contractPolicy.replace('<base />', '<base />\n    <cors allow-credentials="false" />'));
    let error: Error | undefined;
    await runLocalStack({ dataDir, port: 0, quiet: true, policyFile }, { log: () => undefined }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/unsupported policy element <cors> in <inbound>/);
    expect((await readLocalStackStatus(dataDir)).running).to.equal(false);
  });

  it('enforces the policy\'s rate limit per subscription: 429, Retry-After and APIM\'s body', async () => {
    const dataDir = tempDir();
    const policyFile = join(dataDir, 'policy.xml');
    writeFileSync(policyFile, contractPolicy.replace('calls="1200" renewal-period="60"', 'calls="3" renewal-period="90"'));
    // The first start's bootstrap verifies with more calls than this limit allows: keys first, then the limit.
    await (await startStackFixture({}, dataDir)).close();
    const f = await startStackFixture({ policyFile }, dataDir);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await f.gateway('GET', '/patient/00000000-0000-4000-8000-000000000000')).status);
      expect(statuses).to.deep.equal([404, 404, 404, 429]);
      const limited = await f.gateway('GET', '/patient/00000000-0000-4000-8000-000000000000');
      expect(limited.status).to.equal(429);
      expect(Number(limited.headers['retry-after'])).to.be.within(1, 90);
      expect(limited.json<{ statusCode: number; message: string }>().message).to.match(/^Rate limit is exceeded\. Try again in \d+ seconds\.$/);
      const other = await f.gateway('GET', '/patient/00000000-0000-4000-8000-000000000000', { key: f.stack.info.complianceSubscriptionKey });
      expect(other.status).to.equal(404);
    } finally {
      await f.close();
    }
  });

  it('uses an external database instead of the twin when its URIs are given', async () => {
    const dataDir = tempDir();
    const external = await startMongoTwin({ dir: join(dataDir, 'external-db'), profile: 'mongodb' });
    const f = await startStackFixture({ databaseUris: { patients: external.uri, audit: external.uri } }, dataDir);
    try {
      const status = await readLocalStackStatus(dataDir);
      expect(status.processes.map((p) => p.name)).to.deep.equal(['audit-api', 'patient-api', 'gateway']);
      expect((await f.gateway('POST', '/patient', { body: JSON.parse(patientBody) as unknown })).status).to.equal(201);
      expect((await f.control('POST', '/faults/db', { kind: 'drop' })).status).to.equal(409);
      const client = await MongoClient.connect(external.uri);
      try {
        expect(await client.db('patients').collection('patients').countDocuments({ firstName: 'Grace' })).to.equal(1);
        expect(await client.db('audit').collection('audits').countDocuments({})).to.be.greaterThan(0);
      } finally {
        await client.close();
      }
    } finally {
      await f.close();
      await external.close();
    }
  });
});
