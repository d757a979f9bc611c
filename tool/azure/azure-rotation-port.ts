import { MASTER_KEY } from '../../contracts/host-keys';
import type { CalleeApp, HostKeys, ProbeResult, RotationPort } from '../rotation/port';
import { probeGateway } from '../rotation/gateway-probe';
import { API_VERSIONS } from './api-versions';
import type { ArmClient } from './arm-client';
import { keyVaultId, type AzureStackOutputs } from './stack-outputs';

export interface AzureRotationPortOptions {
  /** Where the port points, for people: "azure stack prod", "local stack in .local". */
  description: string;
  outputs: AzureStackOutputs;
  client: ArmClient;
  /** fetch for the gateway probe (the gateway's public endpoint). */
  fetch?: typeof fetch;
}

const NOT_FOUND = [404];

function stringEntries(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** A function's name from its ARM id (`…/sites/{site}/functions/{name}`). */
function functionName(item: unknown): string | undefined {
  const id = (item as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? decodeURIComponent(id.split('/').at(-1) ?? '') || undefined : undefined;
}

/**
 * Rotation's port on Azure Resource Manager, and nothing else: host and function keys of the
 * apps, the Key Vault secrets through ARM (a value is written, never read: the journal and the
 * value's hash are in the tags), the named value and the probe subscription of API Management.
 * The rotating principal needs no data-plane role and no network path to the vault.
 */
export function createAzureRotationPort(options: AzureRotationPortOptions): RotationPort {
  const { client, outputs } = options;
  const appId = (app: CalleeApp) => (app === 'patient-api' ? outputs.patientApiAppId : outputs.auditApiAppId);
  const secretId = (name: string) => `${keyVaultId(outputs)}/secrets/${encodeURIComponent(name)}`;
  const hostKey = (app: CalleeApp, keyType: string, name: string) => `${appId(app)}/host/default/${keyType}/${encodeURIComponent(name)}`;
  const functionPath = (app: CalleeApp, name: string) => `${appId(app)}/functions/${encodeURIComponent(name)}`;
  let probeKey: string | undefined;

  return {
    description: options.description,

    async readSecretTags(name) {
      const { status, body } = await client.arm('GET', secretId(name), API_VERSIONS.keyVaultSecrets, undefined, NOT_FOUND);
      if (status === 404) return undefined;
      return stringEntries((body as { tags?: unknown } | undefined)?.tags);
    },

    async writeSecret(name, value, tags) {
      await client.arm('PUT', secretId(name), API_VERSIONS.keyVaultSecrets, { tags, properties: { value } });
    },

    async listHostKeys(app): Promise<HostKeys> {
      const { body } = await client.arm('POST', `${appId(app)}/host/default/listkeys`, API_VERSIONS.web);
      const keys = (body ?? {}) as { masterKey?: unknown; functionKeys?: unknown; systemKeys?: unknown };
      return {
        masterKey: typeof keys.masterKey === 'string' ? keys.masterKey : '',
        functionKeys: stringEntries(keys.functionKeys),
        systemKeys: stringEntries(keys.systemKeys),
      };
    },

    async putHostKey(app, name, value) {
      await client.arm('PUT', hostKey(app, 'functionKeys', name), API_VERSIONS.web, { properties: { name, value } });
    },

    async deleteHostKey(app, name) {
      await client.arm('DELETE', hostKey(app, 'functionKeys', name), API_VERSIONS.web, undefined, NOT_FOUND);
    },

    async regenerateMasterKey(app) {
      // No value: the host generates the new master key, and nobody is handed it.
      await client.arm('PUT', hostKey(app, 'masterKey', MASTER_KEY), API_VERSIONS.web, { properties: { name: MASTER_KEY } });
    },

    async listFunctions(app) {
      const names: string[] = [];
      let page = await client.arm('GET', `${appId(app)}/functions`, API_VERSIONS.web);
      for (;;) {
        const { value, nextLink } = (page.body ?? {}) as { value?: unknown; nextLink?: unknown };
        for (const item of Array.isArray(value) ? value : []) {
          const name = functionName(item);
          if (name) names.push(name);
        }
        if (typeof nextLink !== 'string' || nextLink === '') return names;
        page = await client.armNextPage(nextLink);
      }
    },

    async listFunctionKeys(app, name) {
      const { body } = await client.arm('POST', `${functionPath(app, name)}/listkeys`, API_VERSIONS.web);
      // The service answers a flat name → value map; the spec's StringDictionary nests it in `properties`.
      const properties = (body as { properties?: unknown } | undefined)?.properties;
      return stringEntries(typeof properties === 'object' && properties !== null ? properties : body);
    },

    async deleteFunctionKey(app, name, keyName) {
      await client.arm('DELETE', `${functionPath(app, name)}/keys/${encodeURIComponent(keyName)}`, API_VERSIONS.web, undefined, NOT_FOUND);
    },

    async refreshNamedValue() {
      await client.arm('POST', `${outputs.apimNamedValueId}/refreshSecret`, API_VERSIONS.apim);
    },

    async refreshKeyVaultReferences(app) {
      await client.arm('POST', `${appId(app)}/config/configreferences/appsettings/refresh`, API_VERSIONS.webReferenceRefresh);
    },

    async probeGateway(count): Promise<ProbeResult> {
      if (probeKey === undefined) {
        const { body } = await client.arm('POST', `${outputs.probeSubscriptionId}/listSecrets`, API_VERSIONS.apim);
        const primaryKey = (body as { primaryKey?: unknown } | undefined)?.primaryKey;
        if (typeof primaryKey !== 'string' || primaryKey === '') return { successes: 0, failures: count };
        probeKey = primaryKey;
      }
      return probeGateway({ gatewayUrl: outputs.gatewayUrl, subscriptionKey: probeKey, fetch: options.fetch }, count);
    },

    async readCallerKey(app) {
      // The gateway's copy is readable (listValue); the Patient API's resolved setting is not, short of listing all its settings.
      if (app !== 'patient-api') return undefined;
      const { body } = await client.arm('POST', `${outputs.apimNamedValueId}/listValue`, API_VERSIONS.apim);
      const value = (body as { value?: unknown } | undefined)?.value;
      return typeof value === 'string' ? value : undefined;
    },
  };
}
