import type * as pulumi from '@pulumi/pulumi';

/**
 * The repository's mocks of Azure: what the provider would answer for each declared resource
 * (ARM-shaped ids, principal ids, host names, URIs) and for the two invokes the program makes.
 * Every value a provider makes up is a distinct string found nowhere in the inputs, so an output
 * can be followed into the inputs it feeds.
 */
export const mockSubscriptionId = '00000000-0000-4000-8000-00000000a11d';
export const mockTenantId = '00000000-0000-4000-8000-0000000071e7';
export const mockDeployerObjectId = '00000000-0000-4000-8000-0000000de910';

/** The primary MongoDB connection string the mocks hand out for a Cosmos DB account: each account has its own key. */
export function mockCosmosConnectionString(accountName: string): string {
  const key = Buffer.from(`account-key-of-${accountName}-not-to-be-seen`).toString('base64');
  return `mongodb://${accountName}:${key}@${accountName}.mongo.cosmos.azure.com:10255/?ssl=true`;
}

/** ARM resource name carried by each type's inputs (what the provider returns as `name`). */
const nameInputs: Record<string, string> = {
  'azure-native:resources:ResourceGroup': 'resourceGroupName',
  'azure-native:network:VirtualNetwork': 'virtualNetworkName',
  'azure-native:network:Subnet': 'subnetName',
  'azure-native:network:NetworkSecurityGroup': 'networkSecurityGroupName',
  'azure-native:network:PublicIPAddress': 'publicIpAddressName',
  'azure-native:operationalinsights:Workspace': 'workspaceName',
  'azure-native:applicationinsights:Component': 'resourceName',
  'azure-native:cosmosdb:DatabaseAccount': 'accountName',
  'azure-native:cosmosdb:MongoDBResourceMongoDBDatabase': 'databaseName',
  'azure-native:cosmosdb:MongoDBResourceMongoDBCollection': 'collectionName',
  'azure-native:keyvault:Vault': 'vaultName',
  'azure-native:managedidentity:UserAssignedIdentity': 'resourceName',
  'azure-native:keyvault:Secret': 'secretName',
  'azure-native:storage:StorageAccount': 'accountName',
  'azure-native:storage:BlobContainer': 'containerName',
  'azure-native:storage:Blob': 'blobName',
  'azure-native:web:AppServicePlan': 'name',
  'azure-native:web:WebApp': 'name',
  'azure-native:apimanagement:ApiManagementService': 'serviceName',
  'azure-native:apimanagement:NamedValue': 'namedValueId',
  'azure-native:apimanagement:Backend': 'backendId',
  'azure-native:apimanagement:Api': 'apiId',
  'azure-native:apimanagement:ApiPolicy': 'policyId',
  'azure-native:apimanagement:Product': 'productId',
  'azure-native:apimanagement:ProductApi': 'apiId',
  'azure-native:apimanagement:Subscription': 'sid',
  'azure-native:apimanagement:Logger': 'loggerId',
  'azure-native:apimanagement:Diagnostic': 'diagnosticId',
  'azure-native:apimanagement:Policy': 'policyId',
  'azure-native:network:ApplicationSecurityGroup': 'applicationSecurityGroupName',
  'azure-native:network:PrivateEndpoint': 'privateEndpointName',
  'azure-native:network:PrivateDnsZoneGroup': 'privateDnsZoneGroupName',
  'azure-native:privatedns:PrivateZone': 'privateZoneName',
  'azure-native:privatedns:VirtualNetworkLink': 'virtualNetworkLinkName',
  'azure-native:monitor:DiagnosticSetting': 'name',
  'azure-native:storage:BlobServiceProperties': 'blobServicesName',
};

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The ARM name the provider would give a resource: its name input, else its logical name. */
export function armNameOf(type: string, inputs: Record<string, unknown>, logicalName: string): string {
  const key = nameInputs[type];
  return key && typeof inputs[key] === 'string' ? inputs[key] : logicalName;
}

/** ARM-shaped ids, so scope and subnet checks compare what Azure would compare. */
export function armId(type: string, inputs: Record<string, unknown>, name: string): string {
  const group = `/subscriptions/${mockSubscriptionId}/resourceGroups/${str(inputs.resourceGroupName)}`;
  const provider = (namespace: string, path: string) => `${group}/providers/${namespace}/${path}`;
  const apim = (rest: string) => provider('Microsoft.ApiManagement', `service/${str(inputs.serviceName)}/${rest}`);
  switch (type) {
    case 'azure-native:resources:ResourceGroup':
      return group;
    case 'azure-native:network:VirtualNetwork':
      return provider('Microsoft.Network', `virtualNetworks/${name}`);
    case 'azure-native:network:Subnet':
      return provider('Microsoft.Network', `virtualNetworks/${str(inputs.virtualNetworkName)}/subnets/${name}`);
    case 'azure-native:network:NetworkSecurityGroup':
      return provider('Microsoft.Network', `networkSecurityGroups/${name}`);
    case 'azure-native:network:PublicIPAddress':
      return provider('Microsoft.Network', `publicIPAddresses/${name}`);
    case 'azure-native:keyvault:Vault':
      return provider('Microsoft.KeyVault', `vaults/${name}`);
    case 'azure-native:cosmosdb:DatabaseAccount':
      return provider('Microsoft.DocumentDB', `databaseAccounts/${name}`);
    case 'azure-native:applicationinsights:Component':
      return provider('Microsoft.Insights', `components/${name}`);
    case 'azure-native:operationalinsights:Workspace':
      return provider('Microsoft.OperationalInsights', `workspaces/${name}`);
    case 'azure-native:network:ApplicationSecurityGroup':
      return provider('Microsoft.Network', `applicationSecurityGroups/${name}`);
    case 'azure-native:network:PrivateEndpoint':
      return provider('Microsoft.Network', `privateEndpoints/${name}`);
    case 'azure-native:privatedns:PrivateZone':
      return provider('Microsoft.Network', `privateDnsZones/${name}`);
    case 'azure-native:keyvault:Secret':
      return provider('Microsoft.KeyVault', `vaults/${str(inputs.vaultName)}/secrets/${name}`);
    case 'azure-native:storage:StorageAccount':
      return provider('Microsoft.Storage', `storageAccounts/${name}`);
    case 'azure-native:managedidentity:UserAssignedIdentity':
      return provider('Microsoft.ManagedIdentity', `userAssignedIdentities/${name}`);
    case 'azure-native:web:WebApp':
      return provider('Microsoft.Web', `sites/${name}`);
    case 'azure-native:web:AppServicePlan':
      return provider('Microsoft.Web', `serverfarms/${name}`);
    case 'azure-native:apimanagement:ApiManagementService':
      return provider('Microsoft.ApiManagement', `service/${name}`);
    case 'azure-native:apimanagement:NamedValue':
      return apim(`namedValues/${name}`);
    case 'azure-native:apimanagement:Api':
      return apim(`apis/${name}`);
    case 'azure-native:apimanagement:Product':
      return apim(`products/${name}`);
    case 'azure-native:apimanagement:Subscription':
      return apim(`subscriptions/${name}`);
    case 'azure-native:apimanagement:Logger':
      return apim(`loggers/${name}`);
    case 'azure-native:authorization:RoleAssignment':
      return `${str(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    default:
      return `${group}/providers/mock/${type.replace(/[:/]/g, '.')}/${name}`;
  }
}

/** The identity ARM returns: a system-assigned principal only when one was asked for. */
function identityState(inputs: Record<string, unknown>, armName: string): unknown {
  const identity = inputs.identity as Record<string, unknown> | undefined;
  if (!identity || !str(identity.type).includes('SystemAssigned')) return identity;
  return { ...identity, principalId: `principal-${armName}` };
}

/** What the provider returns for a resource: its inputs, its name, and the values only Azure makes. */
export function mockState(type: string, inputs: Record<string, unknown>, armName: string, logicalName: string): Record<string, unknown> {
  const state: Record<string, unknown> = { ...inputs, name: armName };
  switch (type) {
    case 'azure-native:managedidentity:UserAssignedIdentity':
      return { ...state, principalId: `principal-${armName}`, clientId: `client-${armName}` };
    case 'random:index/randomString:RandomString':
      return { ...state, result: 'x7k2qa' };
    case 'random:index/randomPassword:RandomPassword':
      return { ...state, result: `initial-${logicalName}-Zq8wPl3mVn` };
    case 'azure-native:web:WebApp':
      return { ...state, identity: identityState(inputs, armName), defaultHostName: `${armName}.azurewebsites.net` };
    case 'azure-native:apimanagement:ApiManagementService':
      return { ...state, identity: identityState(inputs, armName), gatewayUrl: `https://${armName}.azure-api.net` };
    case 'azure-native:keyvault:Vault':
      return { ...state, properties: { ...(inputs.properties as object), vaultUri: `https://${armName}.vault.azure.net/` } };
    case 'azure-native:keyvault:Secret': {
      // ARM never returns a secret's value.
      const uri = `https://${str(inputs.vaultName)}.vault.azure.net/secrets/${armName}`;
      return { ...state, properties: { secretUri: uri, secretUriWithVersion: `${uri}/0123456789abcdef0123456789abcdef` } };
    }
    case 'azure-native:applicationinsights:Component':
      return { ...state, connectionString: 'InstrumentationKey=00000000-0000-4000-8000-000000000a1a;IngestionEndpoint=https://ingest.invalid/' };
    default:
      return state;
  }
}

/** The invokes the program makes; `onConnectionString` hears each account's connection string as it is handed out. */
export function mockCall(args: pulumi.runtime.MockCallArgs, onConnectionString: (accountName: string, value: string) => void): Record<string, unknown> {
  switch (args.token) {
    case 'azure-native:authorization:getClientConfig':
      return { subscriptionId: mockSubscriptionId, tenantId: mockTenantId, objectId: mockDeployerObjectId, clientId: 'deployer-client' };
    case 'azure-native:cosmosdb:listDatabaseAccountConnectionStrings': {
      const accountName = String((args.inputs as Record<string, unknown>).accountName);
      const connectionString = mockCosmosConnectionString(accountName);
      onConnectionString(accountName, connectionString);
      return { connectionStrings: [{ connectionString, description: 'Primary MongoDB Connection String', keyKind: 'Primary', type: 'MongoDB' }] };
    }
    default:
      throw new Error(`unexpected invoke ${args.token}`);
  }
}
