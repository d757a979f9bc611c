import * as pulumi from '@pulumi/pulumi';
import * as authorization from '@pulumi/azure-native/authorization';
import * as resources from '@pulumi/azure-native/resources';
import * as random from '@pulumi/random';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { StackConfig } from './config';
import { locateDeployPackage } from './deploy-package';
import { keyVaultReference } from './key-vault-reference';
import { resourceNames } from './names';
import { openApiForTag } from './openapi-split';
import { rotatedSecretNames, secretNames, type SecretName } from './secret-names';
import { ApiManagement } from './components/api-management';
import { Data, patientRecordsDatabases } from './components/data';
import { FunctionApp } from './components/function-app';
import { GatewayConfiguration } from './components/gateway-configuration';
import { Monitoring } from './components/monitoring';
import { Network } from './components/network';
import { Vault } from './components/vault';

/** The stack outputs `patientctl` reads (docs/interfaces.md). None of them is a secret. */
export interface StackOutputs {
  gatewayUrl: pulumi.Output<string>;
  resourceGroupName: pulumi.Output<string>;
  subscriptionId: pulumi.Output<string>;
  patientApiAppName: pulumi.Output<string>;
  patientApiAppId: pulumi.Output<string>;
  auditApiAppName: pulumi.Output<string>;
  auditApiAppId: pulumi.Output<string>;
  keyVaultName: pulumi.Output<string>;
  keyVaultUri: pulumi.Output<string>;
  apimServiceName: pulumi.Output<string>;
  apimServiceId: pulumi.Output<string>;
  apimNamedValueId: pulumi.Output<string>;
  probeSubscriptionId: pulumi.Output<string>;
}

type Reader = 'apim' | 'patient-api' | 'audit-api';

/** DESIGN §7: who may read which secret. Each line becomes one role assignment scoped to that secret. */
const secretReaders: ReadonlyArray<{ reader: Reader; secret: SecretName }> = [
  { reader: 'apim', secret: secretNames.patientApiHostKey },
  { reader: 'patient-api', secret: secretNames.auditApiHostKey },
  { reader: 'patient-api', secret: secretNames.patientsDbConnection },
  { reader: 'audit-api', secret: secretNames.auditDbConnection },
];

/** docs/interfaces.md: two APIs from the one OpenAPI file, split by tag, and the two products. */
const gatewayApis = [
  { apiId: 'patients', displayName: 'Patients', path: '', tag: 'patients' },
  { apiId: 'patients-compliance', displayName: 'Patients (compliance)', path: 'compliance', tag: 'compliance' },
];
const gatewayProducts = [
  {
    productId: 'consumers',
    displayName: 'Consumers',
    description: 'Read and write patients and their test results.',
    apiIds: ['patients'],
  },
  {
    productId: 'compliance',
    displayName: 'Compliance',
    description: 'Everything consumers may do, plus the audit register of a patient record.',
    apiIds: ['patients', 'patients-compliance'],
  },
];

/** Declares the whole locked-down architecture for one stack and returns its outputs. */
export function createStack(config: StackConfig): StackOutputs {
  // Read the packages and contracts first, so a missing file stops the program before anything is declared.
  const packages = {
    'patient-api': locateDeployPackage(config.packagesDir, 'patient-api'),
    'audit-api': locateDeployPackage(config.packagesDir, 'audit-api'),
  };
  const openApiFile = path.join(config.contractsDir, 'patient-api.openapi.json');
  const apis = gatewayApis.map(({ tag, ...api }) => ({ ...api, openApi: openApiForTag(openApiFile, tag) }));
  const policyXml = readFileSync(path.join(config.contractsDir, 'apim-policy.xml'), 'utf8');

  const client = authorization.getClientConfigOutput();
  const suffix = new random.RandomString('name-suffix', { length: 6, special: false, upper: false, numeric: true });
  const names = suffix.result.apply((value) => resourceNames(config.namePrefix, value));
  const fixedNames = resourceNames(config.namePrefix, '');
  const tags = config.tags;

  const group = new resources.ResourceGroup('resource-group', {
    resourceGroupName: fixedNames.resourceGroup,
    location: config.location,
    tags,
  });
  const placement = { resourceGroupName: group.name, location: config.location, tags };

  const net = new Network('network', {
    ...placement,
    vnetName: fixedNames.vnet,
    addressSpace: config.network.addressSpace,
    apimSubnetPrefix: config.network.apimSubnet,
    patientApiSubnetPrefix: config.network.patientApiSubnet,
    auditApiSubnetPrefix: config.network.auditApiSubnet,
  });

  const monitoring = new Monitoring('monitoring', {
    ...placement,
    workspaceName: fixedNames.logAnalytics,
    appInsightsName: fixedNames.appInsights,
    retentionInDays: 30,
  });

  const data = new Data('data', {
    ...placement,
    accountName: names.cosmosAccount,
    throughputMode: config.cosmos.throughputMode,
    maxThroughput: config.cosmos.maxThroughput,
    allowedSubnetIds: [net.patientApiSubnetId, net.auditApiSubnetId],
    databases: patientRecordsDatabases,
  });

  const vault = new Vault('vault', {
    ...placement,
    vaultName: names.keyVault,
    tenantId: client.tenantId,
    subscriptionId: client.subscriptionId,
    allowedSubnetIds: [net.apimSubnetId, net.patientApiSubnetId, net.auditApiSubnetId],
    operatorIpRanges: config.operatorIpRanges,
    ownedSecrets: {
      [secretNames.patientsDbConnection]: data.connectionString,
      [secretNames.auditDbConnection]: data.connectionString,
    },
    rotatedSecrets: rotatedSecretNames,
    deployerObjectId: client.objectId,
  });

  const appBase = {
    ...placement,
    subscriptionId: client.subscriptionId,
    appInsightsConnectionString: monitoring.connectionString,
  };
  const auditApiNames = names.apply((n) => n.functionApp('audit-api'));
  const auditApi = new FunctionApp('audit-api', {
    ...appBase,
    appName: auditApiNames.site,
    planName: fixedNames.functionApp('audit-api').plan,
    storageAccountName: auditApiNames.storageAccount,
    integrationSubnetId: net.auditApiSubnetId,
    allowedCaller: { name: 'patient-api', subnetId: net.patientApiSubnetId },
    deployPackage: packages['audit-api'],
    settings: {
      AUDIT_DB_CONNECTION: keyVaultReference(vault.vaultUri, secretNames.auditDbConnection),
      AUDIT_DB_NAME: 'audit',
    },
  });

  const patientApiNames = names.apply((n) => n.functionApp('patient-api'));
  const patientApi = new FunctionApp('patient-api', {
    ...appBase,
    appName: patientApiNames.site,
    planName: fixedNames.functionApp('patient-api').plan,
    storageAccountName: patientApiNames.storageAccount,
    integrationSubnetId: net.patientApiSubnetId,
    allowedCaller: { name: 'apim', subnetId: net.apimSubnetId },
    deployPackage: packages['patient-api'],
    settings: {
      AUDIT_API_URL: pulumi.interpolate`https://${auditApi.defaultHostName}/api`,
      AUDIT_API_KEY: keyVaultReference(vault.vaultUri, secretNames.auditApiHostKey),
      AUDIT_TIMEOUT_MS: '5000',
      PATIENTS_DB_CONNECTION: keyVaultReference(vault.vaultUri, secretNames.patientsDbConnection),
      PATIENTS_DB_NAME: 'patients',
      SOURCE_SYSTEM_NAME: 'patient-api',
    },
  });

  const apim = new ApiManagement('apim', {
    ...placement,
    serviceName: names.apimService,
    publicIpName: fixedNames.apimPublicIp,
    dnsLabel: names.apimDnsLabel,
    sku: config.apim.sku,
    capacity: config.apim.capacity,
    publisherName: config.apim.publisherName,
    publisherEmail: config.apim.publisherEmail,
    subnetId: net.apimSubnetId,
  });

  const principals: Record<Reader, pulumi.Output<string>> = {
    apim: apim.principalId,
    'patient-api': patientApi.principalId,
    'audit-api': auditApi.principalId,
  };
  const grants = secretReaders.map(({ reader, secret }) => ({
    reader,
    secret,
    assignment: vault.grantRead(secret, { name: reader, principalId: principals[reader] }),
  }));
  const apimGrant = grants.find((grant) => grant.reader === 'apim' && grant.secret === secretNames.patientApiHostKey);
  if (!apimGrant) throw new Error('API Management must be allowed to read the Patient API host key');

  const gateway = new GatewayConfiguration('gateway', {
    resourceGroupName: group.name,
    serviceName: apim.serviceName,
    apis,
    policyXml,
    products: gatewayProducts,
    backend: { backendId: 'patient-api', url: pulumi.interpolate`https://${patientApi.defaultHostName}/api` },
    keyVaultNamedValue: {
      namedValueId: secretNames.patientApiHostKey,
      secretIdentifier: vault.secretUri(secretNames.patientApiHostKey),
    },
    keyVaultReadGrant: apimGrant.assignment,
    probeSubscription: { subscriptionId: 'rotation-probe', productId: 'consumers' },
    appInsights: { id: monitoring.appInsightsId, connectionString: monitoring.connectionString },
  });

  return {
    gatewayUrl: apim.gatewayUrl,
    resourceGroupName: group.name,
    subscriptionId: client.subscriptionId,
    patientApiAppName: patientApi.name,
    patientApiAppId: patientApi.id,
    auditApiAppName: auditApi.name,
    auditApiAppId: auditApi.id,
    keyVaultName: vault.vaultName,
    keyVaultUri: vault.vaultUri,
    apimServiceName: apim.serviceName,
    apimServiceId: apim.serviceId,
    apimNamedValueId: gateway.namedValueId,
    probeSubscriptionId: gateway.probeSubscriptionId,
  };
}
