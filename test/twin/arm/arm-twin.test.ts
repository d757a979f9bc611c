import { expect } from 'chai';
import { startArmTwin, type RunningArmTwin } from '../../../twin/arm/arm-twin';
import { FUNCTIONS, IDS, InMemoryStack } from './in-memory-stack';
import { trustingFetch } from './trusting-fetch';

/** ARM over HTTPS, trusting the twin's test CA. */
const fetchFrom = (twin: RunningArmTwin) => trustingFetch(twin.caCert);

const TOKEN = 'arm-twin-token';
const WEB = '2024-04-01';

/** The parts of ARM's answers these tests read. */
interface ArmBody {
  [key: string]: unknown;
  error?: { code: string; message: string };
  masterKey?: string;
  functionKeys?: Record<string, string>;
  tags?: Record<string, string>;
  properties?: {
    name?: string;
    value?: string;
    attributes?: Record<string, unknown>;
    secretUriWithVersion?: string;
    keyVault?: { secretIdentifier: string; lastStatus: { code: string } };
  };
}

interface Reply {
  status: number;
  headers: Headers;
  body: ArmBody | undefined;
}

describe('ARM twin (in-memory providers)', () => {
  let stack: InMemoryStack;
  let arm: RunningArmTwin;

  async function call(method: string, path: string, apiVersion: string | undefined, body?: unknown, token: string | null = TOKEN): Promise<Reply> {
    const url = `${arm.url}${path}${apiVersion === undefined ? '' : `${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`}`;
    const response = await fetchFrom(arm)(url, {
      method,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as ArmBody) : undefined };
  }
  const error = (reply: Reply): [number, string | undefined] => [reply.status, reply.body?.error?.code];

  beforeEach(async () => {
    stack = new InMemoryStack();
    arm = await startArmTwin(stack.armConfig(TOKEN));
  });
  afterEach(() => arm.close());

  describe("ARM's own rules", () => {
    it('refuses a call without a bearer token or with another token (401, ARM error shape)', async () => {
      const missing = await call('POST', `${IDS['audit-api']}/host/default/listkeys`, WEB, undefined, null);
      expect(missing.status).to.equal(401);
      expect(missing.body).to.deep.equal({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
      expect(error(await call('POST', `${IDS['audit-api']}/host/default/listkeys`, WEB, undefined, 'other'))).to.deep.equal([401, 'InvalidAuthenticationToken']);
    });

    it('requires an api-version, and refuses one the operation does not have, naming the supported ones', async () => {
      const missing = await call('POST', `${IDS['audit-api']}/host/default/listkeys`, undefined);
      expect(missing.body!.error).to.deep.equal({ code: 'MissingApiVersionParameter', message: 'The api-version query parameter (?api-version=) is required for all requests.' });
      const unsupported = await call('POST', `${IDS['audit-api']}/host/default/listkeys`, '2099-01-01');
      expect(error(unsupported)).to.deep.equal([400, 'NoRegisteredProviderFound']);
      expect(unsupported.body!.error!.message).to.contain("The supported api-versions are '2024-04-01'");
      // The reference refresh is documented with 2022-03-01 only.
      expect(error(await call('POST', `${IDS['patient-api']}/config/configreferences/appsettings/refresh`, WEB))).to.deep.equal([400, 'NoRegisteredProviderFound']);
      expect((await call('POST', `${IDS['patient-api']}/config/configreferences/appsettings/refresh`, '2022-03-01')).status).to.equal(200);
    });

    it('answers 404 for another resource group and for a site that does not exist', async () => {
      expect(error(await call('POST', `${IDS['audit-api'].replace('rg-patients', 'rg-other')}/host/default/listkeys`, WEB))).to.deep.equal([404, 'ResourceGroupNotFound']);
      const site = await call('POST', `${IDS['audit-api'].replace('app-audit', 'app-nope')}/host/default/listkeys`, WEB);
      expect(site.body!.error).to.deep.equal({
        code: 'ResourceNotFound',
        message: "The Resource 'Microsoft.Web/sites/app-nope' under resource group 'rg-patients' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
      });
    });

    it('records every request with its query, bearer and JSON body', async () => {
      await call('PUT', `${IDS['audit-api']}/host/default/functionKeys/caller-a`, WEB, { properties: { name: 'caller-a', value: 'audit-caller-a-0123456789' } });
      expect(arm.requests).to.deep.equal([
        {
          method: 'PUT',
          path: `${IDS['audit-api']}/host/default/functionKeys/caller-a`,
          query: { 'api-version': WEB },
          authorization: `Bearer ${TOKEN}`,
          body: { properties: { name: 'caller-a', value: 'audit-caller-a-0123456789' } },
        },
      ]);
    });
  });

  describe('host and function keys (WebApps, 2024-04-01)', () => {
    it('lists the host keys as a bare object: the master key and host default key the host made at start', async () => {
      const reply = await call('POST', `${IDS['audit-api']}/host/default/listkeys`, WEB);
      expect(reply.status).to.equal(200);
      expect(Object.keys(reply.body!).sort()).to.deep.equal(['functionKeys', 'masterKey', 'systemKeys']);
      expect(Object.keys(reply.body!.functionKeys!)).to.deep.equal(['default']);
    });

    it('creates a key (201), updates it (200), generates one when no value is sent, takes the flat body too', async () => {
      const path = `${IDS['patient-api']}/host/default/functionKeys/caller-a`;
      const created = await call('PUT', path, WEB, { properties: { name: 'caller-a', value: 'patient-caller-a-0123456789' } });
      expect(created.status).to.equal(201);
      expect(created.body!.properties).to.deep.equal({ name: 'caller-a', value: 'patient-caller-a-0123456789' });
      expect((await call('PUT', path, WEB, { name: 'caller-a', value: 'patient-caller-a-9876543210' })).status).to.equal(200);
      const generated = await call('PUT', `${IDS['patient-api']}/host/default/functionKeys/caller-b`, WEB, { properties: { name: 'caller-b' } });
      expect(generated.status).to.equal(201);
      expect(generated.body!.properties!.value).to.be.a('string').with.length.greaterThan(30);
      const keys = (await call('POST', `${IDS['patient-api']}/host/default/listkeys`, WEB)).body!.functionKeys;
      expect(keys).to.include({ 'caller-a': 'patient-caller-a-9876543210', 'caller-b': generated.body!.properties!.value });
    });

    it('deletes a key (204), and answers 404 "Key was not found." for one that does not exist', async () => {
      const path = `${IDS['patient-api']}/host/default/functionKeys/default`;
      const deleted = await call('DELETE', path, WEB);
      expect([deleted.status, deleted.body]).to.deep.equal([204, undefined]);
      const again = await call('DELETE', path, WEB);
      expect(again.status).to.equal(404);
      expect(again.body!.error!.message).to.equal('Key was not found.');
    });

    it('regenerates the master key on PUT masterKey/_master without a value, and refuses to delete it', async () => {
      const before = (await call('POST', `${IDS['patient-api']}/host/default/listkeys`, WEB)).body!.masterKey;
      const regenerated = await call('PUT', `${IDS['patient-api']}/host/default/masterKey/_master`, WEB, { properties: { name: '_master' } });
      expect(regenerated.status).to.equal(201);
      const after = (await call('POST', `${IDS['patient-api']}/host/default/listkeys`, WEB)).body!.masterKey;
      expect(after).to.not.equal(before);
      expect(regenerated.body!.properties!.value).to.equal(after);
      const refused = await call('DELETE', `${IDS['patient-api']}/host/default/masterKey/_master`, WEB);
      expect(refused.status).to.equal(400);
      expect(refused.body!.error!.message).to.equal('Cannot delete System Key.');
    });

    it("lists functions, pages them with nextLink, and makes a function's default key on its first listing", async () => {
      const paged = await startArmTwin(stack.armConfig(TOKEN, { pageSize: 3 }));
      try {
        const first = await fetchFrom(paged)(`${paged.url}${IDS['patient-api']}/functions?api-version=${WEB}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const page = (await first.json()) as { value: { id: string; name: string }[]; nextLink: string };
        expect(page.value.map((f) => f.id)).to.deep.equal(FUNCTIONS['patient-api'].slice(0, 3).map((name) => `${IDS['patient-api']}/functions/${name}`));
        expect(page.value[0].name).to.equal('app-patient/createPatient');
        const next = (await (await fetchFrom(paged)(page.nextLink, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { value: { id: string }[]; nextLink: null };
        expect(next.value.map((f) => f.id.split('/').at(-1))).to.deep.equal(['health']);
        expect(next.nextLink).to.equal(null);
      } finally {
        await paged.close();
      }
      const keys = await call('POST', `${IDS['patient-api']}/functions/searchPatients/listkeys`, WEB);
      expect(Object.keys(keys.body!)).to.deep.equal(['default']);
      expect((await call('DELETE', `${IDS['patient-api']}/functions/searchPatients/keys/default`, WEB)).status).to.equal(204);
      expect((await call('DELETE', `${IDS['patient-api']}/functions/searchPatients/keys/default`, WEB)).status).to.equal(404);
      expect((await call('POST', `${IDS['patient-api']}/functions/searchPatients/listkeys`, WEB)).body).to.deep.equal({});
      expect((await call('PUT', `${IDS['patient-api']}/functions/health/keys/probe`, WEB, { properties: { value: 'health-probe-key-012345' } })).status).to.equal(201);
      expect(error(await call('POST', `${IDS['patient-api']}/functions/nope/listkeys`, WEB))).to.deep.equal([404, 'NotFound']);
    });
  });

  describe('Key Vault references (WebApps)', () => {
    it('reports each reference with its ResolveStatus, and resolves again on refresh', async () => {
      const denied = new InMemoryStack({ refusedReadsFirst: 1 });
      const twin = await startArmTwin(denied.armConfig(TOKEN));
      try {
        const get = await fetchFrom(twin)(`${twin.url}${IDS['patient-api']}/config/configreferences/appsettings?api-version=${WEB}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const before = (await get.json()) as { value: { name: string; properties: { status: string; secretName: string } }[] };
        expect(before.value.map((r) => [r.name, r.properties.status, r.properties.secretName])).to.deep.equal([
          ['AUDIT_API_KEY', 'AccessToKeyVaultDenied', 'audit-api-host-key'],
          ['PATIENTS_DB_CONNECTION', 'AccessToKeyVaultDenied', 'patients-db-connection'],
        ]);
        const refresh = await fetchFrom(twin)(`${twin.url}${IDS['patient-api']}/config/configreferences/appsettings/refresh?api-version=2022-03-01`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
        const after = (await refresh.json()) as { value: { properties: { status: string } }[] };
        expect(after.value.map((r) => r.properties.status)).to.deep.equal(['Resolved', 'Resolved']);
        expect(denied.sites['patient-api'].setting('AUDIT_API_KEY')).to.equal('audit-api-host-key-initial-placeholder');
      } finally {
        await twin.close();
      }
    });
  });

  describe('Key Vault secrets on the control plane (vaults/secrets)', () => {
    const secret = `${IDS.vault}/secrets/audit-api-host-key`;

    it('writes a value with tags (201, then 200) and never answers the value back', async () => {
      const created = await call('PUT', `${IDS.vault}/secrets/new-secret`, '2024-11-01', { tags: { slot: 'a' }, properties: { value: 'the-secret-value' } });
      expect(created.status).to.equal(201);
      const updated = await call('PUT', secret, '2024-11-01', { tags: { slot: 'b', generation: '2' }, properties: { value: 'next-secret-value' } });
      expect(updated.status).to.equal(200);
      const read = await call('GET', secret, '2024-11-01');
      expect(read.body!.tags).to.deep.equal({ slot: 'b', generation: '2' });
      expect(read.body!.properties!.attributes).to.include({ enabled: true });
      expect(read.body!.properties!.secretUriWithVersion).to.match(/^https:\/\/kv-patients\.vault\.azure\.net\/secrets\/audit-api-host-key\/[0-9a-f]{32}$/);
      expect(JSON.stringify([created.body, updated.body, read.body])).to.not.contain('secret-value');
      expect(stack.vault.currentValue('audit-api-host-key')).to.equal('next-secret-value');
    });

    it('makes no new version for an identical PUT, refuses a PUT without a value, answers 404 for a missing secret', async () => {
      const body = { tags: { slot: 'a' }, properties: { value: 'same-value' } };
      await call('PUT', secret, '2023-07-01', body);
      const versions = stack.vault.versionCount('audit-api-host-key');
      await call('PUT', secret, '2023-07-01', body);
      expect(stack.vault.versionCount('audit-api-host-key')).to.equal(versions);
      const refused = await call('PUT', secret, '2024-11-01', { properties: {} });
      expect(refused.body!.error).to.deep.equal({ code: 'BadRequest', message: "An invalid value was provided for 'value'." });
      expect(error(await call('GET', `${IDS.vault}/secrets/nothing`, '2024-11-01'))).to.deep.equal([404, 'ResourceNotFound']);
    });
  });

  describe('API Management named values and subscriptions (2024-05-01)', () => {
    it('refreshes the named value (200 with keyVault.lastStatus) and answers the value the gateway holds', async () => {
      await stack.vault.putSecret('patient-api-host-key', { value: 'rotated-gateway-key', tags: {} });
      expect((await call('POST', `${IDS.namedValue}/listValue`, '2024-05-01')).body).to.deep.equal({ value: 'patient-api-host-key-initial-placeholder' });
      const refreshed = await call('POST', `${IDS.namedValue}/refreshSecret`, '2024-05-01');
      expect(refreshed.status).to.equal(200);
      expect(refreshed.body!.properties!.keyVault).to.deep.include({ secretIdentifier: 'https://kv-patients.vault.azure.net/secrets/patient-api-host-key' });
      expect(refreshed.body!.properties!.keyVault!.lastStatus.code).to.equal('Success');
      const listed = await call('POST', `${IDS.namedValue}/listValue`, '2024-05-01');
      expect(listed.body).to.deep.equal({ value: 'rotated-gateway-key' });
      expect(listed.headers.get('etag')).to.match(/^"[0-9a-f]+"$/);
    });

    it('as a long-running operation: 202 with a Location that answers the named value when polled', async () => {
      const twin = await startArmTwin(stack.armConfig(TOKEN, { asyncNamedValueRefresh: true }));
      try {
        const accepted = await fetchFrom(twin)(`${twin.url}${IDS.namedValue}/refreshSecret?api-version=2024-05-01`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
        expect(accepted.status).to.equal(202);
        const location = accepted.headers.get('location')!;
        expect(location.startsWith(`${twin.url}/subscriptions/`)).to.equal(true);
        const done = await fetchFrom(twin)(location, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(done.status).to.equal(200);
        expect(((await done.json()) as { name: string }).name).to.equal('patient-api-host-key');
      } finally {
        await twin.close();
      }
    });

    it("lists a subscription's keys, and answers 404 for an unknown one", async () => {
      expect((await call('POST', `${IDS.probeSubscription}/listSecrets`, '2024-05-01')).body).to.deep.equal({ primaryKey: 'rotation-probe-subscription-key', secondaryKey: 'rotation-probe-subscription-key-2' });
      expect(error(await call('POST', IDS.probeSubscription.replace('rotation-probe', 'nobody') + '/listSecrets', '2024-05-01'))).to.deep.equal([404, 'ResourceNotFound']);
    });
  });
});
