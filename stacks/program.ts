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
import { GatewayRegionNetwork } from './components/gateway-region-network';
import { Monitoring } from './components/monitoring';
import { Network } from './components/network';
import { PrivateLink } from './components/private-link';
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
  /** Where `patientctl deploy` uploads each app's package: the blob its WEBSITE_RUN_FROM_PACKAGE names. */
  patientApiPackageUrl: pulumi.Output<string>;
  auditApiPackageUrl: pulumi.Output<string>;
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


/** Cosmos DB for MongoDB's private-link sub-resource, its DNS zone and port. */
const cosmosPrivateLink = { groupId: 'MongoDB', dnsZone: 'privatelink.mongo.cosmos.azure.com', ports: ['10255'] };
const vaultPrivateLink = { groupId: 'vault', dnsZone: 'privatelink.vaultcore.azure.net', ports: ['443'] };

/** Each private endpoint and the subnets admitted to it: every reader of the vault, each database's one app. */
const privateTargets = {
  vault: { ports: vaultPrivateLink.ports, callers: ['apim', 'patient-api', 'audit-api'] },
  'cosmos-patients': { ports: cosmosPrivateLink.ports, callers: [dataAccounts.patients.app] },
  'cosmos-audit': { ports: cosmosPrivateLink.ports, callers: [dataAccounts.audit.app] },
} as const satisfies Record<string, { ports: string[]; callers: IdentityName[] }>;

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
  const globalPolicyXml = readFileSync(path.join(config.contractsDir, 'apim-policy.global.xml'), 'utf8');

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
    privateEndpointSubnetPrefix: config.network.privateEndpointSubnet,
    privateTargets,
  });

  const gatewayRegion = additionalGatewayRegion(config, placement, names);

  const monitoring = new Monitoring('monitoring', {
    ...placement,
    subscriptionId: client.subscriptionId,
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
        zoneRedundant: config.zoneRedundant,
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
    operatorIpRanges: config.operatorIpRanges,
    auditWorkspaceId: monitoring.workspaceId,
    ownedSecrets: {
      ...Object.fromEntries(accounts.map((account) => [dataAccounts[account].secret, data[account].connectionString])),
      // Generated once and kept in the stack's state: never rotated (contracts/secrets.ts says why).
      [SECRETS.searchHashKey]: new random.RandomPassword(SECRETS.searchHashKey, { length: 64, special: false }).result,
    },
    rotatedSecrets: ROTATED_SECRETS,
    protect,
    // A throwaway stack's deleted vault is held, purge-protected, for the shortest time Key Vault allows.
    softDeleteRetentionInDays: config.ephemeral ? 7 : 90,
  });

  const privateLink = new PrivateLink('private-link', {
    ...placement,
    namePrefix: config.namePrefix,
    vnetId: net.vnetId,
    subnetId: net.privateEndpointSubnetId,
    targets: [
      { name: 'vault', resourceId: vault.vaultId, ...vaultPrivateLink, applicationSecurityGroupId: net.privateTargetGroupIds.vault },
      ...accounts.map((account) => ({
        name: `cosmos-${account}`,
        resourceId: data[account].accountId,
        ...cosmosPrivateLink,
        applicationSecurityGroupId: net.privateTargetGroupIds[`cosmos-${account}`],
      })),
    ],
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
      allowedCallers: [
        { name: APP_CALLER[app], subnetId: net.subnetIds[APP_CALLER[app]] },
        // API Management's gateway in its second region calls the Patient API too.
        ...(APP_CALLER[app] === 'apim' && gatewayRegion ? [{ name: `apim-${gatewayRegion.location}`, subnetId: gatewayRegion.subnetId }] : []),
      ],
      deployPackage: packages[app],
      identity,
      keyVaultReadGrants: grantReads(app, identity.principalId),
      // The vault for its references, its own account for its data: both admit it only through their endpoints.
      privatePaths: [...privateLink.ready.vault, ...accounts.filter((account) => dataAccounts[account].app === app).flatMap((account) => privateLink.ready[`cosmos-${account}`])],
      telemetryGrant: monitoring.grantIngestion({ name: app, principalId: identity.principalId }),
      operatorIpRanges: config.operatorIpRanges,
      zoneRedundant: config.zoneRedundant,
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
    zoneRedundant: config.zoneRedundant,
    additionalRegion: gatewayRegion,
  });

  const gateway = new GatewayConfiguration('gateway', {
    resourceGroupName: group.name,
    serviceName: apim.serviceName,
    apis,
    policyXml,
    globalPolicyXml,
    products: GATEWAY_PRODUCTS,
    backend: { backendId: PATIENT_API_BACKEND, url: pulumi.interpolate`https://${patientApi.defaultHostName}/api` },
    keyVaultNamedValue: {
      namedValueId: PATIENT_API_KEY_NAMED_VALUE,
      secretIdentifier: vault.secretUri(HOST_KEY_SECRET['patient-api']),
    },
    // API Management's system identity exists only once the service does, so its grant follows the
    // service and precedes the named value, whose creation is its first read of the secret.
    keyVaultReadGrants: grantReads('apim', apim.principalId),
    keyVaultPrivatePath: privateLink.ready.vault,
    probeSubscription: PROBE_SUBSCRIPTION,
    appInsights: {
      id: monitoring.appInsightsId,
      connectionString: monitoring.connectionString,
      ingestionGrant: monitoring.grantIngestion({ name: 'apim', principalId: apim.principalId }),
    },
    defenderForApis: config.apim.defenderForApis,
  });

  return {
    gatewayUrl: apim.gatewayUrl,
    resourceGroupName: group.name,
    subscriptionId: client.subscriptionId,
    patientApiAppName: patientApi.name,
    patientApiAppId: patientApi.id,
    auditApiAppName: auditApi.name,
    auditApiAppId: auditApi.id,
    patientApiPackageUrl: patientApi.packageUrl,
    auditApiPackageUrl: auditApi.packageUrl,
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

/** API Management's second region (Premium), with a network of its own there. */
function additionalGatewayRegion(
  config: StackConfig,
  placement: { resourceGroupName: pulumi.Input<string>; location: string; tags: Record<string, string> },
  names: pulumi.Output<ReturnType<typeof resourceNames>>,
) {
  const region = config.apim.additionalLocation;
  if (!region) return undefined;
  const regionNames = resourceNames(config.namePrefix, '').apimRegion(region.location);
  const regionNetwork = new GatewayRegionNetwork(`network-${region.location}`, {
    ...placement,
    location: region.location,
    vnetName: regionNames.vnet,
    addressSpace: region.vnetAddressSpace,
    apimSubnetPrefix: region.subnetPrefix,
  });
  return {
    location: region.location,
    subnetId: regionNetwork.apimSubnetId,
    publicIpName: regionNames.publicIp,
    dnsLabel: names.apply((n) => n.apimRegion(region.location).dnsLabel),
  };
}
