import { expect } from 'chai';
import { APP_NAMES } from '../../../contracts/apps';
import { AzureRequestError } from '../../../tool/errors';
import { createAzureRotationPort } from '../../../tool/azure/azure-rotation-port';
import { createArmClient } from '../../../tool/azure/arm-client';
import type { AzureStackOutputs } from '../../../tool/azure/stack-outputs';
import type { RotationPort } from '../../../tool/rotation/port';
import { rotateKeys } from '../../../tool/rotation/rotate-keys';
import { keyHash } from '../../../tool/rotation/rotation-state';
import { startArmTwin, type ArmTwinConfig, type RunningArmTwin } from '../../../twin/arm/arm-twin';
import { ARM, FUNCTIONS, IDS, InMemoryStack, PROBE_KEY, startProbeGateway } from '../../twin/arm/in-memory-stack';

const TOKEN = 'arm-bearer-token';
const BEARER = `Bearer ${TOKEN}`;

describe('Azure rotation port (against the ARM twin)', () => {
  let stack: InMemoryStack;
  let arm: RunningArmTwin;
  let gateway: Awaited<ReturnType<typeof startProbeGateway>>;
  let port: RotationPort;

  async function start(extra: Partial<ArmTwinConfig> = {}, token = TOKEN): Promise<void> {
    arm = await startArmTwin(stack.armConfig(TOKEN, extra));
    const outputs: AzureStackOutputs = {
      gatewayUrl: gateway.url,
      patientApiAppId: IDS['patient-api'],
      auditApiAppId: IDS['audit-api'],
      keyVaultName: ARM.vault,
      apimNamedValueId: IDS.namedValue,
      probeSubscriptionId: IDS.probeSubscription,
    };
    const client = createArmClient({ armUrl: arm.url, token, caCert: arm.caCert });
    port = createAzureRotationPort({ description: 'azure stack prod', outputs, client });
  }
  /** The requests as "METHOD path api-version" after the ARM root. */
  const calls = () => arm.requests.map((r) => `${r.method} ${r.path} ${r.query['api-version']}`);

  beforeEach(async () => {
    stack = new InMemoryStack();
    gateway = await startProbeGateway(stack);
    await start();
  });

  afterEach(async () => {
    await arm.close();
    await gateway.close();
  });

  it('lists host keys with POST host/default/listkeys: master, host function and system keys', async () => {
    const keys = await port.listHostKeys('audit-api');
    expect(keys.masterKey).to.equal(stack.sites['audit-api'].keys.hostSecrets().masterKey);
    expect(Object.keys(keys.functionKeys)).to.deep.equal(['default']);
    expect(keys.systemKeys).to.deep.equal({});
    expect(calls()).to.deep.equal([`POST ${IDS['audit-api']}/host/default/listkeys 2024-04-01`]);
    expect(arm.requests[0].authorization).to.equal(BEARER);
  });

  it('creates a named host key with PUT host/default/functionKeys/{name} and the documented body', async () => {
    await port.putHostKey('patient-api', 'caller-b', 'new-value-0123456789');
    expect(calls()).to.deep.equal([`PUT ${IDS['patient-api']}/host/default/functionKeys/caller-b 2024-04-01`]);
    expect(arm.requests[0].body).to.deep.equal({ properties: { name: 'caller-b', value: 'new-value-0123456789' } });
    expect(stack.sites['patient-api'].keys.hostSecrets().functionKeys['caller-b']).to.equal('new-value-0123456789');
  });

  it('deletes a host key, and takes ARM\'s 404 "Key was not found." for a key that does not exist as done', async () => {
    await port.deleteHostKey('patient-api', 'caller-b');
    await port.deleteHostKey('patient-api', 'default');
    expect(calls()).to.deep.equal([
      `DELETE ${IDS['patient-api']}/host/default/functionKeys/caller-b 2024-04-01`,
      `DELETE ${IDS['patient-api']}/host/default/functionKeys/default 2024-04-01`,
    ]);
    expect(stack.sites['patient-api'].keys.hostSecrets().functionKeys).to.deep.equal({});
  });

  it('regenerates the master key with PUT host/default/masterKey/_master without a value', async () => {
    const before = stack.sites['audit-api'].keys.hostSecrets().masterKey;
    await port.regenerateMasterKey('audit-api');
    expect(calls()).to.deep.equal([`PUT ${IDS['audit-api']}/host/default/masterKey/_master 2024-04-01`]);
    expect(arm.requests[0].body).to.deep.equal({ properties: { name: '_master' } });
    expect(stack.sites['audit-api'].keys.hostSecrets().masterKey).to.not.equal(before);
  });

  it('lists functions across nextLink pages, lists and deletes their keys (a 404 counts as deleted)', async () => {
    await arm.close();
    await start({ pageSize: 3 });
    expect(await port.listFunctions('patient-api')).to.deep.equal(FUNCTIONS['patient-api']);
    expect(arm.requests.map((r) => [r.method, r.path, r.query])).to.deep.equal([
      ['GET', `${IDS['patient-api']}/functions`, { 'api-version': '2024-04-01' }],
      ['GET', `${IDS['patient-api']}/functions`, { 'api-version': '2024-04-01', $skiptoken: '3' }],
    ]);
    expect(Object.keys(await port.listFunctionKeys('patient-api', 'health'))).to.deep.equal(['default']);
    await port.deleteFunctionKey('patient-api', 'health', 'default');
    await port.deleteFunctionKey('patient-api', 'health', 'default');
    expect(calls().slice(2)).to.deep.equal([
      `POST ${IDS['patient-api']}/functions/health/listkeys 2024-04-01`,
      `DELETE ${IDS['patient-api']}/functions/health/keys/default 2024-04-01`,
      `DELETE ${IDS['patient-api']}/functions/health/keys/default 2024-04-01`,
    ]);
    expect(await port.listFunctionKeys('patient-api', 'health')).to.deep.equal({});
  });

  it('writes a secret through ARM (PUT vaults/{vault}/secrets/{name}, value and tags) and reads back only its tags', async () => {
    const tags = { slot: 'b', generation: '5', rotation: 'pending', valueSha256: keyHash('v2-value') };
    await port.writeSecret('audit-api-host-key', 'v2-value', tags);
    expect(await port.readSecretTags('audit-api-host-key')).to.deep.equal(tags);
    expect(await port.readSecretTags('no-such-secret')).to.equal(undefined);
    expect(calls()).to.deep.equal([
      `PUT ${IDS.vault}/secrets/audit-api-host-key 2024-11-01`,
      `GET ${IDS.vault}/secrets/audit-api-host-key 2024-11-01`,
      `GET ${IDS.vault}/secrets/no-such-secret 2024-11-01`,
    ]);
    expect(arm.requests[0].body).to.deep.equal({ tags, properties: { value: 'v2-value' } });
    expect(stack.vault.currentValue('audit-api-host-key')).to.equal('v2-value');
  });

  it('refreshes the named value: 200, or 202 followed through Location', async () => {
    await stack.vault.putSecret('patient-api-host-key', { value: 'the-rotated-gateway-key', tags: {} });
    await port.refreshNamedValue('patient-api-host-key');
    expect(stack.apim.gatewayValue('patient-api-host-key')).to.equal('the-rotated-gateway-key');
    await arm.close();
    await start({ asyncNamedValueRefresh: true });
    await port.refreshNamedValue('patient-api-host-key');
    expect(arm.requests.map((r) => `${r.method} ${r.path.split('/').slice(-3).join('/')}`)).to.deep.equal([
      'POST namedValues/patient-api-host-key/refreshSecret',
      `GET tenant/operationResults/${arm.requests[1].path.split('/').at(-1)}`,
    ]);
    expect(arm.requests[0].query['api-version']).to.equal('2024-05-01');
    expect(arm.requests[1].authorization).to.equal(BEARER);
  });

  it("refreshes an app's Key Vault references (POST config/configreferences/appsettings/refresh, 2022-03-01)", async () => {
    await port.refreshKeyVaultReferences('patient-api');
    expect(calls()).to.deep.equal([`POST ${IDS['patient-api']}/config/configreferences/appsettings/refresh 2022-03-01`]);
  });

  it('probes the gateway with the probe subscription key from listSecrets, fetched once', async () => {
    expect(await port.probeGateway(2)).to.deep.equal({ successes: 0, failures: 2 });
    expect(await port.probeGateway(1)).to.deep.equal({ successes: 0, failures: 1 });
    expect(calls()).to.deep.equal([`POST ${IDS.probeSubscription}/listSecrets 2024-05-01`]);
    // The placeholders make every search fail at the Patient API; the probe's own key was right.
    expect(gateway.statuses).to.deep.equal([502, 502, 502]);
    expect(PROBE_KEY).to.equal((await stack.apim.subscriptionSecrets('rotation-probe'))!.primaryKey);
  });

  it("reads back the gateway's named value (listValue) and nothing for the Audit API's caller", async () => {
    expect(await port.readCallerKey('patient-api')).to.equal('patient-api-host-key-initial-placeholder');
    expect(await port.readCallerKey('audit-api')).to.equal(undefined);
    expect(calls()).to.deep.equal([`POST ${IDS.namedValue}/listValue 2024-05-01`]);
  });

  it('turns a refusal into a one-line AzureRequestError that names the operation and carries no request body', async () => {
    await arm.close();
    await start({}, 'not-the-token');
    const error = await port.writeSecret('patient-api-host-key', 'super-secret-value', {}).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AzureRequestError);
    expect((error as AzureRequestError).status).to.equal(401);
    expect((error as Error).message).to.equal(`PUT ${IDS.vault}/secrets/patient-api-host-key answered 401: InvalidAuthenticationToken - The access token is invalid.`);
  });

  it('bootstraps a fresh stack and then rotates it with ARM calls only: no Key Vault data-plane request, so no vault firewall in the way', async () => {
    const options = { dryRun: false, graceSeconds: 0, probeCount: 2, verifyAttempts: 1, verifyIntervalSeconds: 0 };
    const first = await rotateKeys({ port, log: () => undefined, sleep: () => Promise.resolve() }, { ...options, apps: ['audit-api'] });
    expect(first.apps.map((app) => app.outcome)).to.deep.equal(['bootstrapped', 'bootstrapped']);
    expect(stack.searchSucceeds()).to.equal(true);
    const second = await rotateKeys({ port, log: () => undefined, sleep: () => Promise.resolve() }, { ...options, apps: ['patient-api', 'audit-api'] });
    expect(second.apps.map((app) => [app.outcome, app.toSlot])).to.deep.equal([
      ['rotated', 'b'],
      ['rotated', 'b'],
    ]);
    expect(stack.searchSucceeds()).to.equal(true);
    expect(gateway.statuses.every((status) => status === 200)).to.equal(true);
    for (const app of APP_NAMES) expect(Object.keys(stack.sites[app].keys.hostSecrets().functionKeys)).to.deep.equal(['caller-b']);
    expect(arm.requests.every((r) => r.path.startsWith(`/subscriptions/${ARM.subscriptionId}/resourceGroups/${ARM.resourceGroup}/providers/`))).to.equal(true);
    expect(arm.requests.every((r) => r.authorization === BEARER)).to.equal(true);
  });
});
