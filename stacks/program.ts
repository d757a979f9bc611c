import * as pulumi from '@pulumi/pulumi';
import * as authorization from '@pulumi/azure-native/authorization';
import * as managedidentity from '@pulumi/azure-native/managedidentity';
import * as resources from '@pulumi/azure-native/resources';
import * as random from '@pulumi/random';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { APP_CALLER, APP_NAMES, type AppName, type IdentityName } from '../contracts/apps';
import { AUDIT_API_SETTINGS, PATIENT_API_SETTINGS } from '../contracts/app-settings';
import { AUDIT_DATABASE, DATABASES, PATIENTS_DATABASE, type DatabaseAccount } from '../contracts/collections';
import { GATEWAY_APIS, GATEWAY_PRODUCTS, PATIENT_API_BACKEND, PATIENT_API_KEY_NAMED_VALUE, PROBE_SUBSCRIPTION } from '../contracts/gateway';
import { HOST_KEY_SECRET, ROTATED_SECRETS, SECRET_READERS, SECRETS, type SecretName } from '../contracts/secrets';
import type { StackConfig } from './config';
import type { DeployPackage, PackageSource } from './packaging/deploy-package';
import { keyVaultReference } from './key-vault-reference';
import { resourceNames } from './names';
import { openApiForTag } from './openapi-split';
import { ApiManagement } from './components/api-management';
import { Data } from './components/data';
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
  patientsCosmosAccountName: pulumi.Output<string>;
  auditCosmosAccountName: pulumi.Output<string>;
  /** ARM ids and principal ids of the identities that read Key Vault, so the tool can check their grants and references. */
  patientApiIdentityId: pulumi.Output<string>;
  patientApiIdentityPrincipalId: pulumi.Output<string>;
  auditApiIdentityId: pulumi.Output<string>;
  auditApiIdentityPrincipalId: pulumi.Output<string>;
  apimPrincipalId: pulumi.Output<string>;
  apimServiceName: pulumi.Output<string>;
  apimServiceId: pulumi.Output<string>;
  apimNamedValueId: pulumi.Output<string>;
  probeSubscriptionId: pulumi.Output<string>;
}

/**
 * Each app's data in its own Cosmos DB account (docs/design.md, "Data"): an account key opens every
 * database of its account, so the audited Patient API must never hold the audit register's key. The
 * app named here is the only one the account's network rules admit; the secret receives its key.
 */
const dataAccounts = {
  patients: { app: 'patient-api', secret: SECRETS.patientsDbConnection },
  audit: { app: 'audit-api', secret: SECRETS.auditDbConnection },
} as const satisfies Record<DatabaseAccount, { app: AppName; secret: SecretName }>;

/** What the program takes besides its configuration. */
export interface StackDependencies {
  /** Each app's run-from-package zip: the one bundler (stacks/index.ts), or packages already made (tests). */
  packages: PackageSource;
}

/** Declares the whole locked-down architecture for one stack and resolves with its outputs. */
export async function createStack(config: StackConfig, dependencies: StackDependencies): Promise<StackOutputs> {
  // Build the packages and read the contracts first, so a failure stops the program before anything is declared.
  const packages = {} as Record<AppName, DeployPackage>;
  // One after the other: bundling is CPU-bound, and a small machine has few cores.
  for (const app of APP_NAMES) packages[app] = await dependencies.packages(app);
  const openApiFile = path.join(config.contractsDir, 'patient-api.openapi.json');
  const apis = GATEWAY_APIS.map(({ tag, ...api }) => ({ ...api, openApi: openApiForTag(openApiFile, tag) }));
  const policyXml = readFileSync(path.join(config.contractsDir, 'apim-policy.xml'), 'utf8');

  const client = authorization.getClientConfigOutput();
  const suffix = new random.RandomString('name-suffix', { length: 6, special: false, upper: false, numeric: true });
  const names = suffix.result.apply((value) => resourceNames(config.namePrefix, value));
  const fixedNames = resourceNames(config.namePrefix, '');
  const tags = config.tags;
  // A `pulumi destroy`, or a change that replaces them (e.g. a new namePrefix), must not delete patient data.
  const protect = !config.ephemeral;

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

  const accounts = Object.keys(dataAccounts) as DatabaseAccount[];
  const data = Object.fromEntries(
    accounts.map((account) => [
      account,
      new Data(`${account}-data`, {
        ...placement,
        accountName: names.apply((n) => n.cosmosAccount(account)),
        throughputMode: config.cosmos.throughputMode,
        maxThroughput: config.cosmos.maxThroughput,
        allowedSubnetIds: [net.subnetIds[dataAccounts[account].app]],
        databases: DATABASES.filter((database) => database.account === account),
        protect,
      }),
    ]),
  ) as Record<DatabaseAccount, Data>;

  const vault = new Vault('vault', {
    ...placement,
    vaultName: names.keyVault,
    tenantId: client.tenantId,
    subscriptionId: client.subscriptionId,
    allowedSubnetIds: Object.values(net.subnetIds),
    operatorIpRanges: config.operatorIpRanges,
    ownedSecrets: {
      ...Object.fromEntries(accounts.map((account) => [dataAccounts[account].secret, data[account].connectionString])),
      // Generated once and kept in the stack's state: never rotated (contracts/secrets.ts says why).
      [SECRETS.searchHashKey]: new random.RandomPassword(SECRETS.searchHashKey, { length: 64, special: false }).result,
    },
    rotatedSecrets: ROTATED_SECRETS,
    protect,
  });

  // Each app's identity exists, and may read its secrets, before its site does (FunctionApp).
  const appIdentities = Object.fromEntries(
    APP_NAMES.map((app) => [
      app,
      new managedidentity.UserAssignedIdentity(`${app}-identity`, { ...placement, resourceName: fixedNames.functionApp(app).identity }),
    ]),
  ) as Record<AppName, managedidentity.UserAssignedIdentity>;
  /** Key Vault Secrets User for one reader on each of its secrets (contracts/secrets.ts SECRET_READERS). */
  const grantReads = (reader: IdentityName, principalId: pulumi.Input<string>) =>
    SECRET_READERS.filter((entry) => entry.reader === reader).map(({ secret }) => vault.grantRead(secret, { name: reader, principalId }));

  const appBase = (app: AppName) => {
    const appNames = names.apply((n) => n.functionApp(app));
    const identity = appIdentities[app];
    return {
      ...placement,
      subscriptionId: client.subscriptionId,
      appInsightsConnectionString: monitoring.connectionString,
      appName: appNames.site,
      planName: fixedNames.functionApp(app).plan,
      storageAccountName: appNames.storageAccount,
      integrationSubnetId: net.subnetIds[app],
      allowedCaller: { name: APP_CALLER[app], subnetId: net.subnetIds[APP_CALLER[app]] },
      deployPackage: packages[app],
      identity,
      keyVaultReadGrants: grantReads(app, identity.principalId),
    };
  };

  const auditApi = new FunctionApp('audit-api', {
    ...appBase('audit-api'),
    settings: {
      [AUDIT_API_SETTINGS.databaseConnection]: keyVaultReference(vault.vaultUri, SECRETS.auditDbConnection),
      [AUDIT_API_SETTINGS.databaseName]: AUDIT_DATABASE.name,
    },
  });

  const patientApi = new FunctionApp('patient-api', {
    ...appBase('patient-api'),
    settings: {
      [PATIENT_API_SETTINGS.auditApiUrl]: pulumi.interpolate`https://${auditApi.defaultHostName}/api`,
      [PATIENT_API_SETTINGS.auditApiKey]: keyVaultReference(vault.vaultUri, HOST_KEY_SECRET['audit-api']),
      [PATIENT_API_SETTINGS.auditTimeoutMs]: '5000',
      [PATIENT_API_SETTINGS.databaseConnection]: keyVaultReference(vault.vaultUri, SECRETS.patientsDbConnection),
      [PATIENT_API_SETTINGS.databaseName]: PATIENTS_DATABASE.name,
      [PATIENT_API_SETTINGS.sourceSystemName]: 'patient-api' satisfies AppName,
      [PATIENT_API_SETTINGS.searchHashKey]: keyVaultReference(vault.vaultUri, SECRETS.searchHashKey),
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
    subnetId: net.subnetIds.apim,
  });

  const gateway = new GatewayConfiguration('gateway', {
    resourceGroupName: group.name,
    serviceName: apim.serviceName,
    apis,
    policyXml,
    products: GATEWAY_PRODUCTS,
    backend: { backendId: PATIENT_API_BACKEND, url: pulumi.interpolate`https://${patientApi.defaultHostName}/api` },
    keyVaultNamedValue: {
      namedValueId: PATIENT_API_KEY_NAMED_VALUE,
      secretIdentifier: vault.secretUri(HOST_KEY_SECRET['patient-api']),
    },
    // API Management's system identity exists only once the service does, so its grant follows the
    // service and precedes the named value, whose creation is its first read of the secret.
    keyVaultReadGrants: grantReads('apim', apim.principalId),
    probeSubscription: PROBE_SUBSCRIPTION,
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
    patientsCosmosAccountName: data.patients.accountName,
    auditCosmosAccountName: data.audit.accountName,
    patientApiIdentityId: appIdentities['patient-api'].id,
    patientApiIdentityPrincipalId: appIdentities['patient-api'].principalId,
    auditApiIdentityId: appIdentities['audit-api'].id,
    auditApiIdentityPrincipalId: appIdentities['audit-api'].principalId,
    apimPrincipalId: apim.principalId,
    apimServiceName: apim.serviceName,
    apimServiceId: apim.serviceId,
    apimNamedValueId: gateway.namedValueId,
    probeSubscriptionId: gateway.probeSubscriptionId,
  };
}
