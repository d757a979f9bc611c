import { UsageError } from '../errors';

/** The stack outputs patientctl reads to find the resources it rotates (docs/interfaces.md). */
export interface AzureStackOutputs {
  gatewayUrl: string;
  patientApiAppId: string;
  auditApiAppId: string;
  keyVaultUri: string;
  apimNamedValueId: string;
  probeSubscriptionId: string;
}

const REQUIRED: (keyof AzureStackOutputs)[] = [
  'gatewayUrl',
  'patientApiAppId',
  'auditApiAppId',
  'keyVaultUri',
  'apimNamedValueId',
  'probeSubscriptionId',
];

/** Picks the outputs rotation needs; a missing one is a clear error naming it. */
export function readAzureStackOutputs(stackName: string, outputs: Record<string, unknown>): AzureStackOutputs {
  const picked: Partial<AzureStackOutputs> = {};
  for (const name of REQUIRED) {
    const value = outputs[name];
    if (typeof value !== 'string' || value === '') {
      throw new UsageError(`stack ${stackName} has no output "${name}"; deploy it first (patientctl deploy --stack ${stackName})`);
    }
    picked[name] = value;
  }
  const result = picked as AzureStackOutputs;
  if (!result.keyVaultUri.endsWith('/')) result.keyVaultUri += '/';
  return result;
}
