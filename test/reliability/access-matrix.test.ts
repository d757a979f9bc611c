import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { keyVaultId } from '../../tool/azure/stack-outputs';
import { AZURE_TO_LOCAL } from '../../twin/index';
import { newPatient, type GatewayClient } from '../support/gateway-client';
import { send, sleep } from '../support/http';
import { contractsWithPolicy, controlToken, insideRange, removeDir, startLocalStack, tempDir, UNLIMITED_RATE, type LocalStackFixture } from '../support/local-stack';

type Caller = 'client 127.0.0.1' | 'APIM range' | 'Patient API range' | 'other loopback range';
type Target = 'gateway' | 'gateway, compliance API' | 'Patient API host' | 'Audit API host' | 'control API';
type KeyName = 'none' | 'consumer key' | 'compliance key' | 'Patient host key' | 'Audit host key' | 'wrong key' | 'old Patient key' | 'old Audit key' | 'control token';

const CALLERS: Record<Caller, string> = {
  'client 127.0.0.1': '127.0.0.1',
  'APIM range': insideRange(AZURE_TO_LOCAL.subnets.apim),
  'Patient API range': insideRange(AZURE_TO_LOCAL.subnets['patient-api']),
  'other loopback range': '127.0.9.77',
};
const TARGETS: Target[] = ['gateway', 'gateway, compliance API', 'Patient API host', 'Audit API host', 'control API'];
const KEYS: KeyName[] = ['none', 'consumer key', 'compliance key', 'Patient host key', 'Audit host key', 'wrong key', 'old Patient key', 'old Audit key', 'control token'];

/**
 * docs/design.md §2 and §8 as a table: the only cells that get through. Everything else is refused: 401
 * for a missing or wrong key where the caller may connect, 403 where its address may not.
 */
function allowed(caller: Caller, target: Target, key: KeyName): boolean {
  switch (target) {
    case 'gateway':
      return key === 'consumer key' || key === 'compliance key';
    case 'gateway, compliance API':
      return key === 'compliance key';
    case 'Patient API host':
      return caller === 'APIM range' && key === 'Patient host key';
    case 'Audit API host':
      return caller === 'Patient API range' && key === 'Audit host key';
    case 'control API':
      return key === 'control token';
  }
}

function refusal(caller: Caller, target: Target): number {
  if (target === 'Patient API host' && caller !== 'APIM range') return 403;
  if (target === 'Audit API host' && caller !== 'Patient API range') return 403;
  return 401;
}

describe('network and key access matrix (docs/design.md §2, §8)', function () {
  this.timeout(60_000);
  let f: LocalStackFixture;
  let gw: GatewayClient;

  before(async function () {
    this.timeout(60_000);
    const dataDir = tempDir('reliability-access');
    f = await startLocalStack({ config: { contractsDir: contractsWithPolicy(dataDir, [UNLIMITED_RATE]) } }, dataDir);
    gw = f.gw;
  });

  after(async () => {
    await f?.stop();
    if (f) removeDir(f.dataDir);
  });

  const hostKeys = (app: 'patient-api' | 'audit-api') => f.hostKeys(app);

  /** Rotation as `patientctl rotate-keys` does it, through ARM: new slot, new secret version, caller refreshed, old slot revoked. */
  async function rotate(app: 'patient-api' | 'audit-api'): Promise<void> {
    const secret = `${keyVaultId(f.info)}/secrets/${app}-host-key`;
    const current = (await f.arm('GET', secret, '2024-11-01')).json<{ tags: Record<string, string> }>();
    expect(current.tags.slot).to.equal('a');
    const created = await f.arm('PUT', `${app}:/host/default/functionKeys/caller-b`, undefined, { properties: { name: 'caller-b' } });
    expect(created.status).to.be.oneOf([200, 201]);
    const value = created.json<{ properties: { value: string } }>().properties.value;
    const tags = { slot: 'b', generation: String(Number(current.tags.generation) + 1) };
    expect((await f.arm('PUT', secret, '2024-11-01', { tags, properties: { value } })).status).to.equal(200);
    const refresh =
      app === 'patient-api'
        ? await f.arm('POST', `${f.info.apimNamedValueId}/refreshSecret`, '2024-05-01')
        : await f.arm('POST', 'patient-api:/config/configreferences/appsettings/refresh', '2022-03-01');
    expect(refresh.status).to.equal(200);
    expect((await gw.json('POST', '/patient', newPatient('Rot'))).status, 'verification through the gateway').to.equal(201);
    expect((await f.arm('DELETE', `${app}:/host/default/functionKeys/caller-a`)).status).to.equal(204);
  }

  it('lets through exactly the allowed (caller range, target, key) cells, after the keys of both apps were rotated under load', async () => {
    const patient = (await gw.json('POST', '/patient', newPatient('Matrix'))).json<{ id: string }>();
    const oldPatientKey = (await hostKeys('patient-api'))['caller-a'];
    const oldAuditKey = (await hostKeys('audit-api'))['caller-a'];
    expect(oldPatientKey).to.be.a('string');
    expect(oldAuditKey).to.be.a('string');

    // Both rotations run while 8 clients keep calling through the gateway: not one of their requests may fail.
    let rotating = true;
    const loadStatuses: number[] = [];
    const load = Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        while (rotating) {
          const reply = i % 2 === 0 ? await gw.json('GET', `/patient/${patient.id}`) : await gw.json('POST', '/patient/search', { lastName: 'Lovelace', limit: 1 });
          loadStatuses.push(reply.status);
        }
      }),
    );
    await sleep(300);
    await rotate('patient-api');
    await rotate('audit-api');
    await sleep(300);
    rotating = false;
    await load;
    const failedUnderRotation = loadStatuses.filter((s) => s !== 200).length;
    console.log(`    key rotation of both apps under load: ${loadStatuses.length} requests, ${failedUnderRotation} failed`);
    expect(loadStatuses.length).to.be.greaterThan(20);
    expect(failedUnderRotation).to.equal(0);

    const patientKeys = await hostKeys('patient-api');
    const auditKeys = await hostKeys('audit-api');
    expect(Object.keys(patientKeys)).to.deep.equal(['caller-b']);
    expect(Object.keys(auditKeys)).to.deep.equal(['caller-b']);
    const keyValues: Record<KeyName, string | undefined> = {
      none: undefined,
      'consumer key': f.info.subscriptionKey,
      'compliance key': f.info.complianceSubscriptionKey,
      'Patient host key': patientKeys['caller-b'],
      'Audit host key': auditKeys['caller-b'],
      'wrong key': 'x'.repeat(patientKeys['caller-b'].length),
      'old Patient key': oldPatientKey,
      'old Audit key': oldAuditKey,
      'control token': controlToken(f.dataDir),
    };
    const { info } = f;
    const request = (target: Target, key: string | undefined, localAddress: string) => {
      const header = (name: string, value = key) => (value === undefined ? {} : { [name]: value });
      switch (target) {
        case 'gateway':
          return send(`${info.gatewayUrl}/patient/${patient.id}`, { localAddress, headers: header('ocp-apim-subscription-key') });
        case 'gateway, compliance API':
          return send(`${info.gatewayUrl}/compliance/patient/${patient.id}/audit`, { localAddress, headers: header('ocp-apim-subscription-key') });
        case 'Patient API host':
          return send(`${info.patientApiUrl}/patient/${patient.id}`, { localAddress, headers: header('x-functions-key') });
        case 'Audit API host':
          return send(`${info.auditApiUrl}/auditrecord?resourceId=${patient.id}`, { localAddress, headers: header('x-functions-key') });
        case 'control API':
          return send(`${info.controlUrl}/state`, { localAddress, headers: header('authorization', key === undefined ? undefined : `Bearer ${key}`) });
      }
    };

    const mismatches: string[] = [];
    const table: string[] = [`${'target'.padEnd(24)} ${'caller'.padEnd(21)} ${KEYS.map((k) => k.padStart(17)).join('')}`];
    let cells = 0;
    let allowedCells = 0;
    for (const target of TARGETS) {
      for (const caller of Object.keys(CALLERS) as Caller[]) {
        const row: string[] = [];
        for (const key of KEYS) {
          const reply = await request(target, keyValues[key], CALLERS[caller]);
          const expected = allowed(caller, target, key) ? 200 : refusal(caller, target);
          cells += 1;
          if (expected === 200) allowedCells += 1;
          if (reply.status !== expected) mismatches.push(`${target} / ${caller} / ${key}: ${reply.status}, expected ${expected}`);
          row.push(`${reply.status}${reply.status === expected ? ' ' : '!'}`.padStart(17));
        }
        table.push(`${target.padEnd(24)} ${caller.padEnd(21)} ${row.join('')}`);
      }
    }
    console.log(table.map((line) => `    ${line}`).join('\n'));
    console.log(`    access matrix: ${cells} cells, ${allowedCells} allowed, ${cells - allowedCells} refused, ${mismatches.length} mismatches`);
    expect(mismatches).to.deep.equal([]);
  });

  it("keeps the audit register out of the Patient API's reach: its account key does not open the audit account, and its subnet cannot connect", async () => {
    const patientsUri = f.secret('patients-db-connection').value;
    const auditUri = f.secret('audit-db-connection').value;
    const auditAddress = /@([^/]+)\//.exec(auditUri)![1];
    const fromSubnet = (app: 'patient-api' | 'audit-api') => insideRange(AZURE_TO_LOCAL.subnets[app]);
    const attempt = async (uri: string, localAddress: string): Promise<string> => {
      const client = new MongoClient(uri, { localAddress, serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000 });
      try {
        await client.connect();
        await client.db('audit').collection('audits').insertOne({ _id: `forged-${localAddress}`, resourceId: 'forged' } as never);
        return 'written';
      } catch (error) {
        return `refused (${(error as { code?: number }).code ?? (error as Error).name})`;
      } finally {
        await client.close();
      }
    };
    // The Patient API's credentials (its account's name and key) pointed at the audit account, from a subnet that account admits.
    const patientCredentials = patientsUri.replace(/@[^/]+\//, `@${auditAddress}/`).replace(/replicaSet=[^&]+&?/, '');
    const results = {
      "Patient API's key, from the Audit API's subnet": await attempt(patientCredentials, fromSubnet('audit-api')),
      "the audit account's own key, from the Patient API's subnet": await attempt(auditUri, fromSubnet('patient-api')),
      "the audit account's own key, from the Audit API's subnet": await attempt(auditUri, fromSubnet('audit-api')),
    };
    console.log(Object.entries(results).map(([what, outcome]) => `    audit account, ${what}: ${outcome}`).join('\n'));
    // 18: AuthenticationFailed (the wrong account's key); 13: Unauthorized (the account's firewall).
    expect(results["Patient API's key, from the Audit API's subnet"]).to.equal('refused (18)');
    expect(results["the audit account's own key, from the Patient API's subnet"]).to.equal('refused (13)');
    expect(results["the audit account's own key, from the Audit API's subnet"]).to.equal('written');
  });
});
