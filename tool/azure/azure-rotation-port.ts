import type { CalleeApp, ProbeResult, RotationPort, SecretVersion } from '../rotation/port';
import { probeGateway } from '../rotation/gateway-probe';
import type { AzureRestClient } from './rest-client';
import type { AzureStackOutputs } from './stack-outputs';

/** API versions of the operations used, each checked against Microsoft's REST reference. */
export const API_VERSIONS = {
  web: '2024-04-01',
  // The Key Vault reference refresh is documented with this version ("Key Vault references", App Service docs).
  webConfigReferences: '2022-03-01',
  apim: '2024-05-01',
  keyVault: '7.4',
} as const;

export interface AzureRotationPortOptions {
  stackName: string;
  outputs: AzureStackOutputs;
  client: AzureRestClient;
  /** fetch for the gateway probe (public HTTPS endpoint of APIM). */
  fetch?: typeof fetch;
}

/** Rotation's port on Azure: ARM for host keys and refreshes, Key Vault for the secrets, APIM for the probe. */
export function createAzureRotationPort(options: AzureRotationPortOptions): RotationPort {
  const { client, outputs } = options;
  const appId = (app: CalleeApp) => (app === 'patient-api' ? outputs.patientApiAppId : outputs.auditApiAppId);
  const secretUrl = (name: string) => `${outputs.keyVaultUri}secrets/${encodeURIComponent(name)}?api-version=${API_VERSIONS.keyVault}`;
  let probeKey: string | undefined;

  return {
    description: `azure stack ${options.stackName}`,

    async listHostKeys(app) {
      const { body } = await client.arm('POST', `${appId(app)}/host/default/listkeys`, API_VERSIONS.web);
      const functionKeys = (body as { functionKeys?: Record<string, unknown> } | undefined)?.functionKeys ?? {};
      return Object.fromEntries(Object.entries(functionKeys).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    },

    async putHostKey(app, name, value) {
      await client.arm('PUT', `${appId(app)}/host/default/functionKeys/${encodeURIComponent(name)}`, API_VERSIONS.web, {
        properties: { name, value },
      });
    },

    async deleteHostKey(app, name) {
      await client.arm('DELETE', `${appId(app)}/host/default/functionKeys/${encodeURIComponent(name)}`, API_VERSIONS.web);
    },

    async readSecret(name): Promise<SecretVersion | undefined> {
      const { status, body } = await client.vault('GET', secretUrl(name), undefined, [404]);
      if (status === 404) return undefined;
      const secret = body as { value?: unknown; tags?: Record<string, string> };
      return { value: typeof secret.value === 'string' ? secret.value : '', tags: secret.tags ?? {} };
    },

    async writeSecret(name, version) {
      await client.vault('PUT', secretUrl(name), { value: version.value, tags: version.tags });
    },

    async refreshNamedValue() {
      await client.arm('POST', `${outputs.apimNamedValueId}/refreshSecret`, API_VERSIONS.apim);
    },

    async refreshKeyVaultReferences(app) {
      await client.arm('POST', `${appId(app)}/config/configreferences/appsettings/refresh`, API_VERSIONS.webConfigReferences);
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
