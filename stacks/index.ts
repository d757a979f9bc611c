// The Pulumi program (Pulumi.yaml `main`): reads the selected stack's configuration and declares the stack.
import { readStackConfig } from './config';
import { createStack } from './program';

const outputs = createStack(readStackConfig());

export const gatewayUrl = outputs.gatewayUrl;
export const resourceGroupName = outputs.resourceGroupName;
export const subscriptionId = outputs.subscriptionId;
export const patientApiAppName = outputs.patientApiAppName;
export const patientApiAppId = outputs.patientApiAppId;
export const auditApiAppName = outputs.auditApiAppName;
export const auditApiAppId = outputs.auditApiAppId;
export const keyVaultName = outputs.keyVaultName;
export const keyVaultUri = outputs.keyVaultUri;
export const patientsCosmosAccountName = outputs.patientsCosmosAccountName;
export const auditCosmosAccountName = outputs.auditCosmosAccountName;
export const patientApiIdentityId = outputs.patientApiIdentityId;
export const patientApiIdentityPrincipalId = outputs.patientApiIdentityPrincipalId;
export const auditApiIdentityId = outputs.auditApiIdentityId;
export const auditApiIdentityPrincipalId = outputs.auditApiIdentityPrincipalId;
export const apimPrincipalId = outputs.apimPrincipalId;
export const apimServiceName = outputs.apimServiceName;
export const apimServiceId = outputs.apimServiceId;
export const apimNamedValueId = outputs.apimNamedValueId;
export const probeSubscriptionId = outputs.probeSubscriptionId;
