import { UsageError } from '../errors';

/** The stack outputs patientctl reads to find the resources it rotates and checks (docs/interfaces.md). */
export interface AzureStackOutputs {
  gatewayUrl: string;
  patientApiAppId: string;
  auditApiAppId: string;
  keyVaultName: string;
  apimNamedValueId: string;
  probeSubscriptionId: string;
}

const REQUIRED: (keyof AzureStackOutputs)[] = ['gatewayUrl', 'patientApiAppId', 'auditApiAppId', 'keyVaultName', 'apimNamedValueId', 'probeSubscriptionId'];

/** Picks the outputs patientctl needs; a missing one is a clear error naming it. */
export function readAzureStackOutputs(stackName: string, outputs: Record<string, unknown>): AzureStackOutputs {
  const picked: Partial<AzureStackOutputs> = {};
  for (const name of REQUIRED) {
    const value = outputs[name];
    if (typeof value !== 'string' || value === '') {
      throw new UsageError(`stack ${stackName} has no output "${name}"; deploy it first (patientctl deploy --stack ${stackName})`);
    }
    picked[name] = value;
  }
  return picked as AzureStackOutputs;
}

/** The stack's resource group: the stack keeps every resource in the resource group of its apps. */
export function resourceGroupId(patientApiAppId: string): string {
  const scope = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/i.exec(patientApiAppId);
  if (!scope) throw new UsageError(`output patientApiAppId "${patientApiAppId}" is not an ARM resource id`);
  return scope[0];
}

/** The vault's ARM id. */
export function keyVaultId(outputs: Pick<AzureStackOutputs, 'patientApiAppId' | 'keyVaultName'>): string {
  return `${resourceGroupId(outputs.patientApiAppId)}/providers/Microsoft.KeyVault/vaults/${outputs.keyVaultName}`;
}
