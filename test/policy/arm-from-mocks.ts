import type { ArmResource, ArmSnapshot, ArmTaggedOperation } from '../../policy/from-arm';
import { at } from '../../policy/model';
import { createFixture, runStack, type DeclaredResource, type StackModel } from '../stacks/harness';

/**
 * A compliant deployment as ARM would answer it: the program's run under the mocks, each resource
 * written as its ARM body (properties nested, names in the id, a site's siteConfig at /config/web
 * and its app settings at /config/appsettings, role assignments, diagnostic settings and Defender
 * for APIs' collections under the resource they apply to, the resource group with its tags). Written apart
 * from policy/from-arm.ts, so that the adapter is tested against an independent reading of ARM.
 */

type Token = string;

/** ARM path below the resource group, and the inputs that name it, per azure-native type. */
const PATHS: Record<Token, { path: (inputs: Record<string, unknown>) => string; names: string[] }> = {
  'network:VirtualNetwork': { path: (i) => `Microsoft.Network/virtualNetworks/${s(i.virtualNetworkName)}`, names: ['virtualNetworkName'] },
  'network:Subnet': { path: (i) => `Microsoft.Network/virtualNetworks/${s(i.virtualNetworkName)}/subnets/${s(i.subnetName)}`, names: ['virtualNetworkName', 'subnetName'] },
  'network:NetworkSecurityGroup': { path: (i) => `Microsoft.Network/networkSecurityGroups/${s(i.networkSecurityGroupName)}`, names: ['networkSecurityGroupName'] },
  'network:PublicIPAddress': { path: (i) => `Microsoft.Network/publicIPAddresses/${s(i.publicIpAddressName)}`, names: ['publicIpAddressName'] },
  'network:ApplicationSecurityGroup': { path: (i) => `Microsoft.Network/applicationSecurityGroups/${s(i.applicationSecurityGroupName)}`, names: ['applicationSecurityGroupName'] },
  'network:PrivateEndpoint': { path: (i) => `Microsoft.Network/privateEndpoints/${s(i.privateEndpointName)}`, names: ['privateEndpointName'] },
  'network:PrivateDnsZoneGroup': {
    path: (i) => `Microsoft.Network/privateEndpoints/${s(i.privateEndpointName)}/privateDnsZoneGroups/${s(i.privateDnsZoneGroupName)}`,
    names: ['privateEndpointName', 'privateDnsZoneGroupName'],
  },
  'privatedns:PrivateZone': { path: (i) => `Microsoft.Network/privateDnsZones/${s(i.privateZoneName)}`, names: ['privateZoneName'] },
  'privatedns:VirtualNetworkLink': {
    path: (i) => `Microsoft.Network/privateDnsZones/${s(i.privateZoneName)}/virtualNetworkLinks/${s(i.virtualNetworkLinkName)}`,
    names: ['privateZoneName', 'virtualNetworkLinkName'],
  },
  'operationalinsights:Workspace': { path: (i) => `Microsoft.OperationalInsights/workspaces/${s(i.workspaceName)}`, names: ['workspaceName'] },
  'applicationinsights:Component': { path: (i) => `Microsoft.Insights/components/${s(i.resourceName)}`, names: ['resourceName'] },
  'web:AppServicePlan': { path: (i) => `Microsoft.Web/serverfarms/${s(i.name)}`, names: ['name'] },
  'web:WebApp': { path: (i) => `Microsoft.Web/sites/${s(i.name)}`, names: ['name'] },
  'web:WebAppFtpAllowed': { path: (i) => `Microsoft.Web/sites/${s(i.name)}/basicPublishingCredentialsPolicies/ftp`, names: ['name'] },
  'web:WebAppScmAllowed': { path: (i) => `Microsoft.Web/sites/${s(i.name)}/basicPublishingCredentialsPolicies/scm`, names: ['name'] },
  'storage:StorageAccount': { path: (i) => `Microsoft.Storage/storageAccounts/${s(i.accountName)}`, names: ['accountName'] },
  'storage:BlobServiceProperties': { path: (i) => `Microsoft.Storage/storageAccounts/${s(i.accountName)}/blobServices/${s(i.blobServicesName)}`, names: ['accountName', 'blobServicesName'] },
  'storage:BlobContainer': { path: (i) => `Microsoft.Storage/storageAccounts/${s(i.accountName)}/blobServices/default/containers/${s(i.containerName)}`, names: ['accountName', 'containerName'] },
  'managedidentity:UserAssignedIdentity': { path: (i) => `Microsoft.ManagedIdentity/userAssignedIdentities/${s(i.resourceName)}`, names: ['resourceName'] },
  'keyvault:Vault': { path: (i) => `Microsoft.KeyVault/vaults/${s(i.vaultName)}`, names: ['vaultName'] },
  'keyvault:Secret': { path: (i) => `Microsoft.KeyVault/vaults/${s(i.vaultName)}/secrets/${s(i.secretName)}`, names: ['vaultName', 'secretName'] },
  'cosmosdb:DatabaseAccount': { path: (i) => `Microsoft.DocumentDB/databaseAccounts/${s(i.accountName)}`, names: ['accountName'] },
  'cosmosdb:MongoDBResourceMongoDBDatabase': { path: (i) => `Microsoft.DocumentDB/databaseAccounts/${s(i.accountName)}/mongodbDatabases/${s(i.databaseName)}`, names: ['accountName', 'databaseName'] },
  'cosmosdb:MongoDBResourceMongoDBCollection': {
    path: (i) => `Microsoft.DocumentDB/databaseAccounts/${s(i.accountName)}/mongodbDatabases/${s(i.databaseName)}/collections/${s(i.collectionName)}`,
    names: ['accountName', 'databaseName', 'collectionName'],
  },
  'apimanagement:ApiManagementService': { path: (i) => `Microsoft.ApiManagement/service/${s(i.serviceName)}`, names: ['serviceName'] },
  'apimanagement:Policy': { path: (i) => apim(i, `policies/${s(i.policyId)}`), names: ['serviceName', 'policyId'] },
  'apimanagement:NamedValue': { path: (i) => apim(i, `namedValues/${s(i.namedValueId)}`), names: ['serviceName', 'namedValueId'] },
  'apimanagement:Backend': { path: (i) => apim(i, `backends/${s(i.backendId)}`), names: ['serviceName', 'backendId'] },
  'apimanagement:Api': { path: (i) => apim(i, `apis/${s(i.apiId)}`), names: ['serviceName', 'apiId', 'value', 'format'] },
  'apimanagement:ApiPolicy': { path: (i) => apim(i, `apis/${s(i.apiId)}/policies/${s(i.policyId)}`), names: ['serviceName', 'apiId', 'policyId'] },
  'apimanagement:ApiDiagnostic': { path: (i) => apim(i, `apis/${s(i.apiId)}/diagnostics/${s(i.diagnosticId)}`), names: ['serviceName', 'apiId', 'diagnosticId'] },
  'apimanagement:Product': { path: (i) => apim(i, `products/${s(i.productId)}`), names: ['serviceName', 'productId'] },
  'apimanagement:ProductApi': { path: (i) => apim(i, `products/${s(i.productId)}/apis/${s(i.apiId)}`), names: ['serviceName', 'productId', 'apiId'] },
  'apimanagement:Subscription': { path: (i) => apim(i, `subscriptions/${s(i.sid)}`), names: ['serviceName', 'sid'] },
  'apimanagement:Diagnostic': { path: (i) => apim(i, `diagnostics/${s(i.diagnosticId)}`), names: ['serviceName', 'diagnosticId'] },
  'apimanagement:Logger': { path: (i) => apim(i, `loggers/${s(i.loggerId)}`), names: ['serviceName', 'loggerId'] },
  // Defender for APIs' onboarding: an extension resource under the service.
  'security:APICollectionByAzureApiManagementService': {
    path: (i) => apim(i, `providers/Microsoft.Security/apiCollections/${s(i.apiId)}`),
    names: ['serviceName', 'apiId'],
  },
};

function s(value: unknown): string {
  return String(value);
}

function apim(inputs: Record<string, unknown>, rest: string): string {
  return `Microsoft.ApiManagement/service/${s(inputs.serviceName)}/${rest}`;
}

const without = (record: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));

/** A list of sub-resources as ARM nests them: `{name, properties}`. */
const nested = (items: unknown) => (Array.isArray(items) ? items.map((item: Record<string, unknown>) => ({ name: item.name, properties: without(item, ['name']) })) : items);

/** The identity ARM answers: user-assigned identities keyed by id with their principal and client ids. */
function identityOf(inputs: Record<string, unknown>, state: Record<string, unknown>, uai: Map<string, Record<string, unknown>>): unknown {
  const identity = (state.identity ?? inputs.identity) as Record<string, unknown> | undefined;
  if (!identity) return undefined;
  const ids = identity.userAssignedIdentities;
  const list = Array.isArray(ids) ? (ids as string[]) : [];
  return {
    ...identity,
    ...(list.length === 0 ? {} : { userAssignedIdentities: Object.fromEntries(list.map((id) => [id, { principalId: uai.get(id)?.principalId, clientId: uai.get(id)?.clientId }])) }),
  };
}

function operationsOf(document: unknown): ArmTaggedOperation[] {
  const parsed = JSON.parse(s(document)) as { paths: Record<string, Record<string, { tags?: string[] }>> };
  return Object.entries(parsed.paths).flatMap(([urlTemplate, methods]) =>
    Object.entries(methods).flatMap(([method, operation]) => (operation.tags ?? []).map((tag) => ({ tag: { name: tag }, operation: { method: method.toUpperCase(), urlTemplate } }))),
  );
}

export function armFromMocks(stack: StackModel): ArmSnapshot {
  const group = (inputs: Record<string, unknown>) => `/subscriptions/${stack.subscriptionId}/resourceGroups/${s(inputs.resourceGroupName)}`;
  const idOf = (resource: DeclaredResource) => `${group(resource.inputs)}/providers/${PATHS[resource.type.replace('azure-native:', '')].path(resource.inputs)}`;
  const uai = new Map(stack.resources.filter((r) => r.type === 'azure-native:managedidentity:UserAssignedIdentity').map((r) => [r.id, r.state]));
  const resources: ArmResource[] = [];
  const apiOperations: Record<string, ArmTaggedOperation[]> = {};
  const sites: Partial<ArmSnapshot['sites']> = {};

  for (const resource of stack.resources) {
    const token = resource.type.replace('azure-native:', '');
    const inputs = resource.inputs;
    if (token === 'resources:ResourceGroup') {
      resources.push({ id: group(inputs), name: s(inputs.resourceGroupName), location: s(inputs.location), tags: inputs.tags as Record<string, string>, properties: { provisioningState: 'Succeeded' } });
      continue;
    }
    if (token === 'monitor:DiagnosticSetting') {
      // An extension resource: its id is under the resource it watches, which its body does not repeat.
      resources.push({ id: `${s(inputs.resourceUri)}/providers/Microsoft.Insights/diagnosticSettings/${s(inputs.name)}`, name: s(inputs.name), properties: without(inputs, ['name', 'resourceUri']) });
      continue;
    }
    if (token === 'authorization:RoleAssignment') {
      resources.push({
        id: `${s(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${resource.name}`,
        properties: { roleDefinitionId: inputs.roleDefinitionId, principalId: inputs.principalId, principalType: inputs.principalType, scope: inputs.scope },
      });
      continue;
    }
    const mapping = PATHS[token];
    if (!mapping) continue;
    const id = idOf(resource);
    const rest = without(inputs, [...mapping.names, 'resourceGroupName', 'location', 'tags', 'kind', 'sku', 'identity']);
    const envelope: ArmResource = {
      id,
      ...(inputs.location === undefined ? {} : { location: s(inputs.location) }),
      ...(inputs.tags === undefined ? {} : { tags: inputs.tags as Record<string, string> }),
      ...(inputs.kind === undefined ? {} : { kind: s(inputs.kind) }),
      ...(inputs.sku === undefined ? {} : { sku: inputs.sku as Record<string, unknown> }),
    };
    switch (token) {
      case 'web:WebApp': {
        const { appSettings, ...siteConfig } = (inputs.siteConfig ?? {}) as Record<string, unknown>;
        resources.push({ ...envelope, identity: identityOf(inputs, resource.state, uai) as Record<string, unknown>, properties: { ...without(rest, ['siteConfig']), defaultHostName: resource.state.defaultHostName, siteConfig: null } });
        resources.push({ id: `${id}/config/web`, properties: { ...siteConfig, appSettings: null } });
        resources.push({ id: `${id}/config/appsettings`, properties: Object.fromEntries((appSettings as { name: string; value: string }[]).map((entry) => [entry.name, entry.value])) });
        sites[resource.name.replace(/-site$/, '') as keyof ArmSnapshot['sites']] = id;
        break;
      }
      case 'storage:StorageAccount':
        resources.push({ ...envelope, properties: { ...without(rest, ['enableHttpsTrafficOnly']), supportsHttpsTrafficOnly: inputs.enableHttpsTrafficOnly } });
        break;
      case 'keyvault:Vault':
        resources.push({ ...envelope, properties: { ...(inputs.properties as Record<string, unknown>), vaultUri: `https://${s(inputs.vaultName)}.vault.azure.net/` } });
        break;
      case 'keyvault:Secret':
        resources.push({ ...envelope, properties: { ...((resource.state.properties ?? {}) as Record<string, unknown>), attributes: { enabled: true } } });
        break;
      case 'managedidentity:UserAssignedIdentity':
        resources.push({ ...envelope, properties: { principalId: resource.state.principalId, clientId: resource.state.clientId } });
        break;
      case 'apimanagement:ApiManagementService':
        resources.push({ ...envelope, identity: identityOf(inputs, resource.state, uai) as Record<string, unknown>, properties: rest });
        break;
      case 'apimanagement:Api':
        apiOperations[id] = operationsOf(inputs.value);
        resources.push({ ...envelope, properties: rest });
        break;
      case 'network:NetworkSecurityGroup':
        resources.push({ ...envelope, properties: { ...rest, securityRules: nested(rest.securityRules) } });
        break;
      case 'network:Subnet':
        resources.push({ ...envelope, properties: { ...rest, delegations: nested(rest.delegations) } });
        break;
      case 'network:PrivateEndpoint':
        // ARM answers the subnet by its id alone, and each connection under its own properties.
        resources.push({ ...envelope, properties: { ...rest, subnet: { id: at(rest, 'subnet.id') }, privateLinkServiceConnections: nested(rest.privateLinkServiceConnections) } });
        break;
      case 'network:PrivateDnsZoneGroup':
        resources.push({ ...envelope, properties: { ...rest, privateDnsZoneConfigs: nested(rest.privateDnsZoneConfigs) } });
        break;
      default:
        resources.push({ ...envelope, properties: rest });
    }
  }
  return {
    resources,
    sites: sites as ArmSnapshot['sites'],
    apiOperations,
    secretValues: Object.values(stack.connectionStrings),
    connectionStrings: { ...stack.connectionStrings },
  };
}

let compliant: Promise<ArmSnapshot> | undefined;

/** The dev stack as ARM answers it; the program runs under the mocks once per test process. */
export function compliantArmSnapshot(): Promise<ArmSnapshot> {
  compliant ??= (async () => {
    const fixture = createFixture();
    try {
      return armFromMocks(await runStack(fixture.config));
    } finally {
      fixture.cleanup();
    }
  })();
  return compliant.then((snapshot) => structuredClone(snapshot));
}
