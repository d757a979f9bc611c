import type { AppName } from '../../contracts/apps';
import { modelFromArm } from '../../policy/from-arm';
import type { VerifyPort } from '../verify/port';
import { API_VERSIONS } from './api-versions';
import type { ArmClient } from './arm-client';
import { readArmSnapshot } from './arm-snapshot';
import { createAzureRotationPort } from './azure-rotation-port';
import { keyVaultId, type AzureStackOutputs } from './stack-outputs';

export interface AzureVerifyPortOptions {
  description: string;
  outputs: AzureStackOutputs;
  client: ArmClient;
  /** Why the configuration cannot be read here (an ARM endpoint without resource documents); undefined on Azure. */
  noConfiguration?: string;
  /** The apps' own base URLs where ARM cannot give their host names (the local stack writes them in stack.json). */
  appUrls?: Record<AppName, string>;
}

/**
 * What `patientctl verify` reads, on Azure Resource Manager: the deployment's resources as the
 * policy model, host and function keys through rotation's own port, each host-key secret's tags
 * and attributes (never its value), the probe subscription's key, and the apps' host names.
 */
export function createAzureVerifyPort(options: AzureVerifyPortOptions): VerifyPort {
  const { client, outputs } = options;
  const rotation = createAzureRotationPort({ description: options.description, outputs, client });
  const appId: Record<AppName, string> = { 'patient-api': outputs.patientApiAppId, 'audit-api': outputs.auditApiAppId };
  return {
    description: options.description,
    gatewayUrl: outputs.gatewayUrl,
    async configuration() {
      return options.noConfiguration ?? modelFromArm(await readArmSnapshot(client, outputs));
    },
    hostKeys: (app) => rotation.listHostKeys(app),
    async functionKeyNames(app) {
      const names = await rotation.listFunctions(app);
      return Object.fromEntries(await Promise.all(names.map(async (name) => [name, Object.keys(await rotation.listFunctionKeys(app, name))] as const)));
    },
    async secret(name) {
      const body = (await client.armRead(`${keyVaultId(outputs)}/secrets/${encodeURIComponent(name)}`, API_VERSIONS.keyVaultSecrets)) as
        | { tags?: Record<string, unknown>; properties?: { attributes?: { updated?: unknown } } }
        | undefined;
      if (!body) return undefined;
      const tags = Object.fromEntries(Object.entries(body.tags ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      const updated = body.properties?.attributes?.updated;
      return { tags, updated: typeof updated === 'number' ? updated : undefined };
    },
    async probeKey() {
      const { body } = await client.arm('POST', `${outputs.probeSubscriptionId}/listSecrets`, API_VERSIONS.apim);
      const primaryKey = (body as { primaryKey?: unknown } | undefined)?.primaryKey;
      return typeof primaryKey === 'string' && primaryKey !== '' ? primaryKey : undefined;
    },
    async appUrls() {
      if (options.appUrls) return options.appUrls;
      const url = async (app: AppName) => {
        const site = (await client.armRead(appId[app], API_VERSIONS.web)) as { properties?: { defaultHostName?: unknown } } | undefined;
        return `https://${String(site?.properties?.defaultHostName)}/api`;
      };
      return { 'patient-api': await url('patient-api'), 'audit-api': await url('audit-api') };
    },
  };
}
