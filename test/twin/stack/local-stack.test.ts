import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { keyVaultId } from '../../../tool/azure/stack-outputs';
import { statusDocument, statusLines } from '../../../tool/cli/commands/local-status';
import { readLocalStackStatus } from '../../../twin/index';
import { send } from '../../support/http';
import { removeDir, startLocalStack, type LocalStackFixture } from '../../support/local-stack';

function logLines(dataDir: string, process: string): Record<string, unknown>[] {
  return readFileSync(join(dataDir, 'logs', `${process}.log`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Patient {
  id: string;
  firstName: string;
  lastUpdated: string;
}
interface TestResult {
  id: string;
  patientId: string;
  observations: unknown[];
}
interface Problem {
  type: string;
  status: number;
}

const newPatient = (firstName: string) => ({ firstName, lastName: 'Lovelace', gender: 'female', dateOfBirth: '1815-12-10', postCode: 'W1 1AA' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('local stack end to end (real apps, twin database)', function () {
  this.timeout(60_000);
  let f: LocalStackFixture;

  before(async () => {
    f = await startLocalStack();
  });
  after(async () => {
    await f?.stop();
    if (f) removeDir(f.dataDir);
  });

  describe('start-up', () => {
    it('prints the gateway URL, where the keys are and a first curl, never a key value', () => {
      const printed = f.lines.join('\n');
      expect(printed).to.contain(f.info.gatewayUrl);
      expect(printed).to.contain(`\`patientctl local keys --data-dir ${f.dataDir}\` shows them`);
      expect(printed).to.contain(`patientctl local status --data-dir ${f.dataDir} --show-keys`);
      expect(printed).to.match(/curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/patient -H "Ocp-Apim-Subscription-Key: \$\(patientctl local keys --data-dir \S+ --product consumers\)"/);
      for (const key of [f.info.subscriptionKey, f.info.complianceSubscriptionKey]) expect(printed).to.not.contain(key);
    });

    it('writes stack.json (0600) with the gateway, app and control URLs, and keeps its data private', () => {
      const file = join(f.dataDir, 'stack.json');
      expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal(f.info);
      expect(Object.keys(f.info).sort()).to.deep.equal([
        'apimNamedValueId',
        'armUrl',
        'auditApiAppId',
        'auditApiUrl',
        'complianceSubscriptionKey',
        'controlUrl',
        'gatewayUrl',
        'keyVaultName',
        'keyVaultUri',
        'patientApiAppId',
        'patientApiUrl',
        'probeSubscriptionId',
        'subscriptionKey',
      ]);
      expect(f.info.armUrl).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(f.info.controlUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/local$/);
      // The ids are the program's outputs under the mocks: the ARM twin serves the declared resources.
      expect(f.info.patientApiAppId).to.match(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/prdev-patient-records\/providers\/Microsoft\.Web\/sites\/prdev-patient-api-[a-z0-9]{6}$/);
      expect(f.info.keyVaultUri).to.match(/^https:\/\/prdev-kv-[a-z0-9]{6}\.vault\.azure\.net\/$/);
      expect(f.info.patientApiUrl).to.match(/^http:\/\/127\.0\.2\.1:\d+\/api$/);
      expect(f.info.auditApiUrl).to.match(/^http:\/\/127\.0\.3\.1:\d+\/api$/);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      expect(statSync(join(f.dataDir, 'control-token')).mode & 0o777).to.equal(0o600);
      expect(statSync(f.dataDir).mode & 0o777).to.equal(0o700);
      for (const name of readdirSync(join(f.dataDir, 'secrets'))) expect(statSync(join(f.dataDir, 'secrets', name)).mode & 0o777, name).to.equal(0o600);
    });

    it('reports every process with its pid and address', async () => {
      const status = await readLocalStackStatus(f.dataDir);
      expect(status.running).to.equal(true);
      expect(status.supervisorPid).to.equal(process.pid);
      // One process per declared service, named after the component that declares it, started in creation order.
      expect(status.processes.map((p) => `${p.name}:${p.state}`)).to.deep.equal(['patients-data:up', 'audit-data:up', 'audit-api:up', 'patient-api:up', 'apim:up']);
      for (const p of status.processes) expect(p.pid).to.be.a('number');
      expect(status.processes.find((p) => p.name === 'patient-api')?.address).to.match(/^127\.0\.2\.1:\d+$/);
      expect(status.processes.map((p) => p.health)).to.deep.equal(['answering', 'answering', 'answering', 'answering', 'answering']);
    });

    it('shows its status as patientctl local status prints it: every process and what is not emulated, no key value', async () => {
      const status = await readLocalStackStatus(f.dataDir);
      const printed = statusLines(status, false).join('\n');
      for (const p of status.processes) expect(printed).to.match(new RegExp(`^${p.name}\\s+\\S+\\s+${p.pid}\\s+up\\s+answering$`, 'm'));
      expect(printed).to.match(/^ {2}azure-native:applicationinsights:Component\s/m);
      for (const key of [f.info.subscriptionKey, f.info.complianceSubscriptionKey]) expect(printed).to.not.contain(key);
      expect(JSON.stringify(statusDocument(status, false))).to.not.contain(f.info.subscriptionKey);
    });
  });

  describe('the Patient API through the gateway (docs/design.md §3)', () => {
    let patient: Patient;
    let test: TestResult;

    it('creates a patient: 201 with server-set id and lastUpdated', async () => {
      const reply = await f.gw.json('POST', '/patient', newPatient('Ada'));
      expect(reply.status).to.equal(201);
      patient = reply.json<Patient>();
      expect(patient).to.include({ firstName: 'Ada', gender: 'female' });
      expect(patient.id).to.match(/^[0-9a-f-]{36}$/);
    });

    it('refuses an invalid patient with a problem document', async () => {
      const reply = await f.gw.json('POST', '/patient', { firstName: 'NoGender' });
      expect(reply.status).to.equal(400);
      expect(reply.headers['content-type']).to.contain('application/problem+json');
    });

    it('loads the patient with an ETag, and 404s an unknown one', async () => {
      const reply = await f.gw.json('GET', `/patient/${patient.id}`);
      expect(reply.status).to.equal(200);
      expect(reply.json<Patient>().id).to.equal(patient.id);
      expect(reply.headers.etag).to.be.a('string');
      expect((await f.gw.json('GET', '/patient/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
    });

    it('updates the patient', async () => {
      const reply = await f.gw.json('PUT', `/patient/${patient.id}`, { ...newPatient('Ada'), postCode: 'NW1 2BB' });
      expect(reply.status).to.equal(200);
      expect(reply.json()).to.include({ postCode: 'NW1 2BB' });
    });

    it('searches patients, always answering an array', async () => {
      const found = await f.gw.json('POST', '/patient/search', { postCode: 'NW1 2BB' });
      expect(found.status).to.equal(200);
      expect(found.json<Patient[]>().map((p) => p.id)).to.include(patient.id);
      const none = await f.gw.json('POST', '/patient/search', { postCode: 'NOWHERE' });
      expect(none.json()).to.deep.equal([]);
    });

    it('creates, lists, loads, updates and deletes a test result', async () => {
      const created = await f.gw.json('POST', `/patient/${patient.id}/tests`, { performer: 'lab', observations: [{ code: 'HB', measurement: '13.5' }] });
      expect(created.status).to.equal(201);
      test = created.json<TestResult>();
      expect(test.patientId).to.equal(patient.id);
      const list = await f.gw.json('GET', `/patient/${patient.id}/tests`);
      expect(list.status).to.equal(200);
      expect(list.json<TestResult[]>().map((t) => t.id)).to.deep.equal([test.id]);
      expect((await f.gw.json('GET', `/patient/${patient.id}/tests/${test.id}`)).status).to.equal(200);
      const updated = await f.gw.json('PUT', `/patient/${patient.id}/tests/${test.id}`, { observations: [{ code: 'HB', measurement: '14.0' }] });
      expect(updated.status).to.equal(200);
      expect((await f.gw.json('DELETE', `/patient/${patient.id}/tests/${test.id}`)).status).to.equal(204);
      expect((await f.gw.json('GET', `/patient/${patient.id}/tests/${test.id}`)).status).to.equal(404);
    });

    it('404s test results of an unknown patient', async () => {
      expect((await f.gw.json('GET', '/patient/00000000-0000-4000-8000-000000000000/tests')).status).to.equal(404);
    });

    it('serves the audit trail to the compliance key only', async () => {
      expect((await f.gw.json('GET', `/compliance/patient/${patient.id}/audit`)).status).to.equal(401);
      const reply = await f.gw.json('GET', `/compliance/patient/${patient.id}/audit`, undefined, { key: f.info.complianceSubscriptionKey });
      expect(reply.status).to.equal(200);
      expect(reply.json<unknown[]>().length).to.be.greaterThan(2);
    });

    it('deletes the patient: 204, then 404', async () => {
      expect((await f.gw.json('DELETE', `/patient/${patient.id}`)).status).to.equal(204);
      expect((await f.gw.json('GET', `/patient/${patient.id}`)).status).to.equal(404);
    });
  });

  describe('keys and network rules', () => {
    it('answers 401 without and with a wrong subscription key', async () => {
      const missing = await f.gw.json('POST', '/patient/search', {}, { key: '' });
      expect(missing.status).to.equal(401);
      expect(missing.json<{ message: string }>().message).to.contain('missing subscription key');
      const wrong = await f.gw.json('POST', '/patient/search', {}, { key: 'not-a-key' });
      expect(wrong.status).to.equal(401);
      expect(wrong.json<{ message: string }>().message).to.contain('invalid subscription key');
    });

    it('answers 403 to a client calling either app directly', async () => {
      const patientApi = await send(`${f.info.patientApiUrl}/patient/search`, { method: 'POST', body: '{}' });
      const auditApi = await send(`${f.info.auditApiUrl}/auditrecord?resourceId=x`);
      expect([patientApi.status, auditApi.status]).to.deep.equal([403, 403]);
    });

    it('answers 401 to the right subnet with a wrong function key', async () => {
      const patientApi = await send(`${f.info.patientApiUrl}/patient/search`, { method: 'POST', body: '{}', headers: { 'x-functions-key': 'wrong' }, localAddress: '127.0.1.50' });
      const auditApi = await send(`${f.info.auditApiUrl}/auditrecord?resourceId=x`, { headers: { 'x-functions-key': 'wrong' }, localAddress: '127.0.2.50' });
      expect([patientApi.status, auditApi.status]).to.deep.equal([401, 401]);
    });

    it('keeps the Audit API closed to the APIM subnet, even with a valid key', async () => {
      const keys = await f.hostKeys('audit-api');
      const reply = await send(`${f.info.auditApiUrl}/auditrecord?resourceId=x`, { headers: { 'x-functions-key': Object.values(keys)[0] }, localAddress: '127.0.1.50' });
      expect(reply.status).to.equal(403);
    });
  });

  describe('traces and logs', () => {
    it('carries one trace id from the gateway through both apps into the audit row', async () => {
      const traceId = '5b8efff798038103d269b633813fc60c';
      const created = await f.gw.json('POST', '/patient', newPatient('Trace'), { headers: { traceparent: `00-${traceId}-eee19b7ec3c1b174-01` } });
      expect(created.status).to.equal(201);
      const id = created.json<Patient>().id;
      for (const process of ['apim', 'patient-api', 'audit-api']) {
        // A process writes its line when the response is finished, which may be just after the client has it.
        await waitFor(`a ${process} log line`, () => Promise.resolve(logLines(f.dataDir, process).some((l) => l.traceId === traceId && l.msg === 'request') || undefined), 2000);
      }
      const audit = await f.gw.json('GET', `/compliance/patient/${id}/audit`, undefined, { key: f.info.complianceSubscriptionKey });
      expect(audit.json<{ traceId?: string; resource: { operation: string } }[]>().find((r) => r.resource.operation === 'create')?.traceId).to.equal(traceId);
    });

    it('logs one line per request without keys, tokens, bodies or query strings', async () => {
      await f.gw.json('GET', `/patient/00000000-0000-4000-8000-000000000001?subscription-key=${f.info.subscriptionKey}`, undefined, { key: '' });
      const logs = readdirSync(join(f.dataDir, 'logs')).map((name) => readFileSync(join(f.dataDir, 'logs', name), 'utf8')).join('\n');
      const hostKeys = [...Object.values(await f.hostKeys('patient-api')), ...Object.values(await f.hostKeys('audit-api'))];
      const secrets = [f.info.subscriptionKey, f.info.complianceSubscriptionKey, readFileSync(join(f.dataDir, 'control-token'), 'utf8').trim(), ...hostKeys];
      for (const secret of secrets) expect(logs).not.to.contain(secret);
      expect(logs).not.to.contain('Lovelace');
      expect(logs).not.to.contain('?');
    });
  });

  describe('the control endpoint: ARM, and the local operations under /local', () => {
    it('refuses calls without the control token, in ARM\'s error shape on ARM paths', async () => {
      expect((await send(`${f.info.controlUrl}/state`)).status).to.equal(401);
      const ca = readFileSync(join(f.dataDir, 'control-ca.pem'), 'utf8');
      const arm = await send(`${f.info.armUrl}${f.info.patientApiAppId}/host/default/listkeys?api-version=2024-04-01`, { method: 'POST', ca });
      expect(arm.status).to.equal(401);
      expect(arm.json<{ error: { code: string } }>().error.code).to.equal('AuthenticationFailed');
    });

    it('shows state with key names only: after the bootstrap, one slot per app and no default key anywhere', async () => {
      const state = (await f.control('GET', '/state')).json<{ hostKeyNames: Record<string, string[]>; functionKeyNames: Record<string, Record<string, string[]>> }>();
      expect(state.hostKeyNames).to.deep.equal({ 'patient-api': ['caller-a'], 'audit-api': ['caller-a'] });
      expect(Object.values(state.functionKeyNames['patient-api']).flat()).to.deep.equal([]);
      expect(Object.keys(state.functionKeyNames['audit-api']).sort()).to.deep.equal(['createauditrecord', 'createauditrecords', 'listauditrecords']);
      expect(JSON.stringify(state)).not.to.contain(f.info.subscriptionKey);
    });

    it('rotates both host keys through ARM the way rotate-keys does, with zero failed requests', async () => {
      let failures = 0;
      let requests = 0;
      let running = true;
      const traffic = (async () => {
        while (running) {
          const reply = await f.gw.json('POST', '/patient', newPatient('Rotation'));
          requests += 1;
          if (reply.status !== 201) failures += 1;
        }
      })();
      const vaultSecret = (name: string) => `${keyVaultId(f.info)}/secrets/${name}`;
      const created = await f.arm('PUT', 'patient-api:/host/default/functionKeys/caller-b', undefined, { properties: { name: 'caller-b' } });
      expect(created.status).to.equal(201);
      const patientKey = created.json<{ properties: { value: string } }>().properties.value;
      expect((await f.arm('PUT', vaultSecret('patient-api-host-key'), '2024-11-01', { tags: { slot: 'b', generation: '2' }, properties: { value: patientKey } })).status).to.equal(200);
      const refreshed = await f.arm('POST', `${f.info.apimNamedValueId}/refreshSecret`, '2024-05-01');
      expect(refreshed.json<{ properties: { keyVault: { lastStatus: { code: string } } } }>().properties.keyVault.lastStatus.code).to.equal('Success');
      expect((await f.arm('POST', `${f.info.apimNamedValueId}/listValue`, '2024-05-01')).json()).to.deep.equal({ value: patientKey });
      await sleep(200);
      expect((await f.arm('DELETE', 'patient-api:/host/default/functionKeys/caller-a')).status).to.equal(204);
      expect((await f.arm('DELETE', 'patient-api:/host/default/functionKeys/caller-a')).status).to.equal(404);

      const auditKey = await f.arm('PUT', 'audit-api:/host/default/functionKeys/caller-b', undefined, { properties: { name: 'caller-b', value: 'audit-caller-b-0123456789abcdef' } });
      expect(auditKey.status).to.equal(201);
      const secret = (await f.arm('PUT', vaultSecret('audit-api-host-key'), '2024-11-01', { tags: { slot: 'b', generation: '2' }, properties: { value: 'audit-caller-b-0123456789abcdef' } })).json<{ properties: { secretUriWithVersion: string } }>();
      expect(secret.properties.secretUriWithVersion).to.match(/\/secrets\/audit-api-host-key\/[0-9a-f]{32}$/);
      const references = await f.arm('POST', 'patient-api:/config/configreferences/appsettings/refresh', '2022-03-01');
      expect(references.json<{ value: { name: string; properties: { status: string } }[] }>().value.map((r) => [r.name, r.properties.status])).to.deep.equal([
        ['AUDIT_API_KEY', 'Resolved'],
        ['PATIENTS_DB_CONNECTION', 'Resolved'],
        ['SEARCH_HASH_KEY', 'Resolved'],
      ]);
      await sleep(200);
      expect((await f.arm('DELETE', 'audit-api:/host/default/functionKeys/caller-a')).status).to.equal(204);
      await sleep(200);
      running = false;
      await traffic;
      expect(requests).to.be.greaterThan(5);
      expect(failures).to.equal(0);
      expect(f.secret('audit-api-host-key')).to.deep.equal({ value: 'audit-caller-b-0123456789abcdef', tags: { slot: 'b', generation: '2' } });
      const read = (await f.arm('GET', vaultSecret('audit-api-host-key'), '2024-11-01')).json<Record<string, unknown>>();
      expect(read.tags).to.deep.equal({ slot: 'b', generation: '2' });
      expect(JSON.stringify(read)).not.to.contain('audit-caller-b-0123456789abcdef');
      expect((await f.control('GET', '/state')).json<{ hostKeyNames: Record<string, string[]> }>().hostKeyNames).to.deep.equal({ 'patient-api': ['caller-b'], 'audit-api': ['caller-b'] });
    });

    it('answers ARM\'s 404 for unknown sites, named values and secrets, and 400 for an unsupported api-version or a bad body', async () => {
      const vault = keyVaultId(f.info);
      expect((await f.arm('POST', `${f.info.patientApiAppId.replace(/[^/]+$/, 'other')}/host/default/listkeys`)).json<{ error: { code: string } }>().error.code).to.equal('ResourceNotFound');
      expect((await f.arm('POST', f.info.apimNamedValueId.replace('patient-api-host-key', 'other') + '/refreshSecret', '2024-05-01')).status).to.equal(404);
      expect((await f.arm('GET', `${vault}/secrets/nothing-here`, '2024-11-01')).status).to.equal(404);
      expect((await f.arm('POST', 'patient-api:/host/default/listkeys', '2016-08-01')).json<{ error: { code: string } }>().error.code).to.equal('NoRegisteredProviderFound');
      expect((await f.arm('PUT', `${vault}/secrets/x`, '2024-11-01', { properties: { value: 5 } })).status).to.equal(400);
    });
  });

  describe('failures', () => {
    it('injects and clears database faults through the control API', async () => {
      const added = await f.control('POST', '/faults/db', { db: 'patients', kind: 'error', code: 8000, message: 'injected fault' });
      expect(added.status).to.equal(201);
      const failed = await f.gw.json('POST', '/patient', newPatient('Faulty'));
      expect(failed.status).to.be.within(500, 599);
      expect(failed.headers['content-type']).to.contain('application/problem+json');
      expect((await f.control('DELETE', '/faults/db')).status).to.equal(200);
      expect((await f.gw.json('POST', '/patient', newPatient('Healthy'))).status).to.equal(201);
    });

    it('fails closed when the Audit API is down: 5xx problem, nothing written; the crash is reported and the host restarted', async () => {
      const before = await readLocalStackStatus(f.dataDir);
      const audit = before.processes.find((p) => p.name === 'audit-api')!;
      process.kill(audit.pid!, 'SIGKILL');
      await waitFor('the audit host to die', () => {
        try {
          process.kill(audit.pid!, 0);
          return Promise.resolve(undefined);
        } catch {
          return Promise.resolve(true);
        }
      });
      const reply = await f.gw.json('POST', '/patient', newPatient('Unaudited'));
      expect(reply.status).to.be.within(502, 503);
      expect(reply.headers['content-type']).to.contain('application/problem+json');
      expect(reply.json<Problem>().status).to.equal(reply.status);

      const databases = await f.databases();
      try {
        expect(await databases.db('patients').collection('patients').countDocuments({ firstName: 'Unaudited' })).to.equal(0);
      } finally {
        await databases.close();
      }
      const restarted = await waitFor('the audit host to restart', async () => {
        const status = await readLocalStackStatus(f.dataDir);
        const p = status.processes.find((x) => x.name === 'audit-api');
        return p?.state === 'up' && p.restarts === 1 ? p : undefined;
      });
      expect(restarted.pid).not.to.equal(audit.pid);
      expect(f.lines.some((l) => /audit-api exited unexpectedly/.test(l))).to.equal(true);
      expect((await f.gw.json('POST', '/patient', newPatient('Audited'))).status).to.equal(201);
    });
  });
});
