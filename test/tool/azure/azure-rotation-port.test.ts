import { expect } from 'chai';
import { AzureRequestError } from '../../../tool/errors';
import { createAzureRotationPort } from '../../../tool/azure/azure-rotation-port';
import { AzureRestClient } from '../../../tool/azure/rest-client';
import type { RotationPort } from '../../../tool/rotation/port';
import { FakeAzure } from './fake-azure';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-patients/providers';
const PATIENT_APP = `${SUB}/Microsoft.Web/sites/patient-app`;
const AUDIT_APP = `${SUB}/Microsoft.Web/sites/audit-app`;
const NAMED_VALUE = `${SUB}/Microsoft.ApiManagement/service/apim-patients/namedValues/patient-api-host-key`;
const PROBE_SUBSCRIPTION = `${SUB}/Microsoft.ApiManagement/service/apim-patients/subscriptions/rotation-probe`;
const ARM_TOKEN = 'Bearer token-for-https://management.azure.com/.default';
const VAULT_TOKEN = 'Bearer token-for-https://vault.azure.net/.default';

describe('Azure rotation port (against a fake ARM and Key Vault)', () => {
  let fake: FakeAzure;
  let sleeps: number[];
  let port: RotationPort;

  beforeEach(async () => {
    fake = await FakeAzure.start();
    sleeps = [];
    const client = new AzureRestClient({
      credential: { getToken: (scope) => Promise.resolve(`token-for-${scope}`) },
      armBaseUrl: fake.baseUrl,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      pollIntervalMs: 5,
    });
    port = createAzureRotationPort({
      stackName: 'prod',
      client,
      outputs: {
        gatewayUrl: `${fake.baseUrl}/gateway`,
        patientApiAppId: PATIENT_APP,
        auditApiAppId: AUDIT_APP,
        keyVaultUri: `${fake.baseUrl}/vault/`,
        apimNamedValueId: NAMED_VALUE,
        probeSubscriptionId: PROBE_SUBSCRIPTION,
      },
    });
  });

  afterEach(() => fake.close());

  it('lists host keys with POST host/default/listkeys (api-version 2024-04-01, ARM token)', async () => {
    fake.on(`POST ${AUDIT_APP}/host/default/listkeys`, {
      status: 200,
      body: { masterKey: 'master', functionKeys: { 'caller-a': 'ka', default: 'kd' }, systemKeys: {} },
    });
    expect(await port.listHostKeys('audit-api')).to.deep.equal({ 'caller-a': 'ka', default: 'kd' });
    const [request] = fake.requests;
    expect(request.query).to.deep.equal({ 'api-version': '2024-04-01' });
    expect(request.authorization).to.equal(ARM_TOKEN);
  });

  it('creates a named host key with PUT functionKeys/{name} and the documented body', async () => {
    fake.on(`PUT ${PATIENT_APP}/host/default/functionKeys/caller-b`, { status: 200, body: { properties: { name: 'caller-b' } } });
    await port.putHostKey('patient-api', 'caller-b', 'new-value');
    const [request] = fake.requests;
    expect(request.query['api-version']).to.equal('2024-04-01');
    expect(request.body).to.deep.equal({ properties: { name: 'caller-b', value: 'new-value' } });
  });

  it('deletes a named host key with DELETE; 204 (already gone) is fine', async () => {
    fake.on(`DELETE ${PATIENT_APP}/host/default/functionKeys/caller-a`, { status: 204 });
    await port.deleteHostKey('patient-api', 'caller-a');
    expect(fake.requests.map((r) => [r.method, r.path, r.query['api-version']])).to.deep.equal([
      ['DELETE', `${PATIENT_APP}/host/default/functionKeys/caller-a`, '2024-04-01'],
    ]);
  });

  it('reads and writes Key Vault secrets (api-version 7.4, vault token, value and tags)', async () => {
    fake.on('GET /vault/secrets/audit-api-host-key', {
      status: 200,
      body: { value: 'v1', id: 'https://kv/secrets/audit-api-host-key/abc', tags: { slot: 'a', generation: '4' } },
    });
    fake.on('PUT /vault/secrets/audit-api-host-key', { status: 200, body: { id: 'x' } });
    expect(await port.readSecret('audit-api-host-key')).to.deep.equal({ value: 'v1', tags: { slot: 'a', generation: '4' } });
    await port.writeSecret('audit-api-host-key', { value: 'v2', tags: { slot: 'b', generation: '5', rotation: 'pending' } });
    expect(fake.requests.map((r) => [r.method, r.query['api-version'], r.authorization])).to.deep.equal([
      ['GET', '7.4', VAULT_TOKEN],
      ['PUT', '7.4', VAULT_TOKEN],
    ]);
    expect(fake.requests[1].body).to.deep.equal({ value: 'v2', tags: { slot: 'b', generation: '5', rotation: 'pending' } });
  });

  it('reads a missing secret as absent', async () => {
    fake.on('GET /vault/secrets/patient-api-host-key', { status: 404, body: { error: { code: 'SecretNotFound' } } });
    expect(await port.readSecret('patient-api-host-key')).to.equal(undefined);
  });

  it('refreshes the named value and follows a 202 through Azure-AsyncOperation until it succeeds', async () => {
    const monitor = `${fake.baseUrl}/operations/op-1`;
    fake.on(`POST ${NAMED_VALUE}/refreshSecret`, { status: 202, headers: { 'azure-asyncoperation': monitor, 'retry-after': '1' } });
    fake.on('GET /operations/op-1', { status: 200, body: { status: 'InProgress' } }, { status: 200, body: { status: 'Succeeded' } });
    await port.refreshNamedValue('patient-api-host-key');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      `POST ${NAMED_VALUE}/refreshSecret`,
      'GET /operations/op-1',
      'GET /operations/op-1',
    ]);
    expect(fake.requests[0].query['api-version']).to.equal('2024-05-01');
    expect(fake.requests[1].authorization).to.equal(ARM_TOKEN);
    expect(sleeps[0]).to.equal(1000);
  });

  it('follows a 202 through its Location header when there is no Azure-AsyncOperation', async () => {
    fake.on(`POST ${NAMED_VALUE}/refreshSecret`, { status: 202, headers: { location: `${fake.baseUrl}/operations/loc-1` } });
    fake.on('GET /operations/loc-1', { status: 202 }, { status: 200, body: { name: 'patient-api-host-key' } });
    await port.refreshNamedValue('patient-api-host-key');
    expect(fake.requestsTo('GET /operations/loc-1')).to.have.length(2);
  });

  it('reports a long-running operation that fails', async () => {
    fake.on(`POST ${NAMED_VALUE}/refreshSecret`, { status: 202, headers: { 'azure-asyncoperation': `${fake.baseUrl}/operations/bad` } });
    fake.on('GET /operations/bad', { status: 200, body: { status: 'Failed', error: { code: 'KeyVaultAccessDenied', message: 'denied' } } });
    const error = await port.refreshNamedValue('patient-api-host-key').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AzureRequestError);
    expect((error as Error).message).to.match(/ended Failed: KeyVaultAccessDenied - denied/);
  });

  it('never sends the token to a monitor URL off the ARM endpoint', async () => {
    fake.on(`POST ${NAMED_VALUE}/refreshSecret`, { status: 202, headers: { 'azure-asyncoperation': 'http://127.0.0.2:9/elsewhere' } });
    const error = await port.refreshNamedValue('patient-api-host-key').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AzureRequestError);
    expect(fake.requests).to.have.length(1);
  });

  it("refreshes an app's Key Vault references (POST config/configreferences/appsettings/refresh)", async () => {
    fake.on(`POST ${PATIENT_APP}/config/configreferences/appsettings/refresh`, { status: 200, body: {} });
    await port.refreshKeyVaultReferences('patient-api');
    expect(fake.requests[0].query['api-version']).to.equal('2022-03-01');
  });

  it('waits out throttling (429 and 503 with Retry-After) and retries', async () => {
    fake.on(
      `POST ${AUDIT_APP}/host/default/listkeys`,
      { status: 429, headers: { 'retry-after': '3' }, body: { error: { code: 'TooManyRequests' } } },
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 200, body: { functionKeys: { 'caller-b': 'kb' } } },
    );
    expect(await port.listHostKeys('audit-api')).to.deep.equal({ 'caller-b': 'kb' });
    expect(fake.requests).to.have.length(3);
    expect(sleeps).to.deep.equal([3000, 1000]);
  });

  it('turns a refusal into a one-line AzureRequestError without the request body', async () => {
    fake.on('PUT /vault/secrets/patient-api-host-key', {
      status: 403,
      body: { error: { code: 'Forbidden', message: 'Caller is not authorized.\nInner detail' } },
    });
    const error = await port
      .writeSecret('patient-api-host-key', { value: 'super-secret-value', tags: {} })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AzureRequestError);
    expect((error as AzureRequestError).status).to.equal(403);
    expect((error as Error).message).to.equal('PUT /vault/secrets/patient-api-host-key answered 403: Forbidden - Caller is not authorized.');
    expect((error as Error).message).to.not.include('super-secret-value');
  });

  it('probes the gateway with the probe subscription key from listSecrets', async () => {
    fake.on(`POST ${PROBE_SUBSCRIPTION}/listSecrets`, { status: 200, body: { primaryKey: 'probe-key', secondaryKey: 'other' } });
    let calls = 0;
    fake.on('POST /gateway/patient/search', (request) => {
      calls++;
      expect(request.body).to.have.keys('id');
      return calls === 2 ? { status: 401 } : { status: 200, body: [] };
    });
    expect(await port.probeGateway(3)).to.deep.equal({ successes: 2, failures: 1 });
    expect(await port.probeGateway(1)).to.deep.equal({ successes: 1, failures: 0 });
    expect(fake.requestsTo(`POST ${PROBE_SUBSCRIPTION}/listSecrets`)).to.have.length(1);
    expect(fake.requestsTo(`POST ${PROBE_SUBSCRIPTION}/listSecrets`)[0].query['api-version']).to.equal('2024-05-01');
    const search = fake.requestsTo('POST /gateway/patient/search');
    expect(search[0].authorization).to.equal(undefined);
    expect((search[0].body as { id: string }).id).to.match(/^[0-9a-f-]{36}$/);
  });

  it("reads back the gateway's named value (listValue) and nothing for the Audit API's caller", async () => {
    fake.on(`POST ${NAMED_VALUE}/listValue`, { status: 200, body: { value: 'held-key' } });
    expect(await port.readCallerKey('patient-api')).to.equal('held-key');
    expect(await port.readCallerKey('audit-api')).to.equal(undefined);
    expect(fake.requests).to.have.length(1);
  });
});
