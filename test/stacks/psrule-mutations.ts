import { at } from '../../policy/model';
import type { DeclaredResource, StackModel } from './harness';

/** The first resource of a type (and matching `predicate`) in a stack run under the mocks. */
function first(model: StackModel, type: string, predicate: (entry: DeclaredResource) => boolean = () => true): DeclaredResource {
  const found = model.resources.find((entry) => entry.type === `azure-native:${type}` && predicate(entry));
  if (!found) throw new Error(`no ${type} matches`);
  return found;
}

function set(target: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.length === 0 ? target : at(target, keys.join('.'));
  (parent as Record<string, unknown>)[last] = value;
}

const inputs = (model: StackModel, type: string, predicate?: (entry: DeclaredResource) => boolean) => first(model, type, predicate).inputs;
const service = (model: StackModel) => inputs(model, 'apimanagement:ApiManagementService');
const site = (model: StackModel) => inputs(model, 'web:WebApp');
const nsg = (model: StackModel, name = 'network-apim-nsg') => inputs(model, 'network:NetworkSecurityGroup', (entry) => entry.name === name);
const securityRules = (model: StackModel, name?: string) => nsg(model, name).securityRules as Array<Record<string, unknown>>;
const cipher = (name: string) => `Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.${name}`;

/**
 * One way to break each PSRule for Azure rule, the way a careless change to the program would,
 * applied to the prod stack (which meets every rule but the two waived in every stack). The rules
 * waived in every stack have none: the stack itself is their broken copy.
 */
export const psRuleMutations: Record<string, (model: StackModel) => void> = {
  'Azure.Resource.UseTags': (model) => delete inputs(model, 'privatedns:PrivateZone').tags,
  'Azure.Resource.AllowedRegions': (model) => void (inputs(model, 'network:PrivateEndpoint').location = 'eastus'),
  'Azure.Group.Name': (model) => void (inputs(model, 'resources:ResourceGroup').resourceGroupName = 'patient-records.'),
  'Azure.VNET.Name': (model) => void (inputs(model, 'network:VirtualNetwork').virtualNetworkName = '-vnet'),
  'Azure.VNET.UseNSGs': (model) => delete inputs(model, 'network:Subnet', (entry) => entry.inputs.subnetName === 'audit-api').networkSecurityGroup,
  'Azure.VNET.SingleDNS': (model) => set(inputs(model, 'network:VirtualNetwork'), 'dhcpOptions', { dnsServers: ['10.70.0.4'] }),
  'Azure.VNET.LocalDNS': (model) => set(inputs(model, 'network:VirtualNetwork'), 'dhcpOptions', { dnsServers: ['192.168.0.4', '192.168.0.5'] }),
  'Azure.VNET.SubnetName': (model) => void (inputs(model, 'network:Subnet', (entry) => entry.inputs.subnetName === 'audit-api').subnetName = '-audit'),
  'Azure.VNET.PrivateSubnet': (model) => delete inputs(model, 'network:Subnet', (entry) => entry.inputs.subnetName === 'private-endpoints').defaultOutboundAccess,
  'Azure.NSG.Name': (model) => void (nsg(model).networkSecurityGroupName = 'apim nsg'),
  'Azure.NSG.AnyInboundSource': (model) => void (securityRules(model)[0].sourceAddressPrefix = '*'),
  'Azure.NSG.DenyAllInbound': (model) => void securityRules(model).push({ name: 'deny-all', direction: 'Inbound', access: 'Deny', priority: 90, sourceAddressPrefix: '*', destinationAddressPrefix: '*' }),
  'Azure.NSG.LateralTraversal': (model) => {
    nsg(model, 'network-patient-api-nsg').securityRules = [];
  },
  'Azure.NSG.Associated': (model) => delete inputs(model, 'network:Subnet', (entry) => entry.inputs.subnetName === 'patient-api').networkSecurityGroup,
  'Azure.PublicIP.StandardSKU': (model) => set(inputs(model, 'network:PublicIPAddress'), 'sku', { name: 'Basic' }),
  'Azure.PublicIP.MigrateStandard': (model) => set(inputs(model, 'network:PublicIPAddress'), 'sku', { name: 'Basic' }),
  'Azure.PublicIP.IsAttached': (model) => void (service(model).publicIpAddressId = undefined),
  'Azure.PublicIP.Name': (model) => void (inputs(model, 'network:PublicIPAddress').publicIpAddressName = 'apim ip'),
  'Azure.PublicIP.DNSLabel': (model) => set(inputs(model, 'network:PublicIPAddress'), 'dnsSettings.domainNameLabel', 'Prprod-Apim'),
  'Azure.PublicIP.AvailabilityZone': (model) => void (inputs(model, 'network:PublicIPAddress').zones = ['1']),
  'Azure.PrivateEndpoint.Name': (model) => void (inputs(model, 'network:PrivateEndpoint').privateEndpointName = 'vault-pe-'),
  'Azure.Cosmos.DisableMetadataWrite': (model) => void (inputs(model, 'cosmosdb:DatabaseAccount').disableKeyBasedMetadataWriteAccess = false),
  'Azure.Cosmos.AccountName': (model) => void (inputs(model, 'cosmosdb:DatabaseAccount').accountName = 'Prprod_Cosmos'),
  'Azure.Cosmos.MinTLS': (model) => void (inputs(model, 'cosmosdb:DatabaseAccount').minimalTlsVersion = 'Tls11'),
  'Azure.Cosmos.SLA': (model) => void (inputs(model, 'cosmosdb:DatabaseAccount').enableFreeTier = true),
  'Azure.Cosmos.PublicAccess': (model) => void (inputs(model, 'cosmosdb:DatabaseAccount').publicNetworkAccess = 'Enabled'),
  'Azure.Cosmos.ContinuousBackup': (model) => void (inputs(model, 'cosmosdb:DatabaseAccount').backupPolicy = { type: 'Continuous' }),
  'Azure.Cosmos.AvailabilityZone': (model) => set((inputs(model, 'cosmosdb:DatabaseAccount').locations as unknown[])[0], 'isZoneRedundant', false),
  'Azure.KeyVault.SoftDelete': (model) => set(inputs(model, 'keyvault:Vault'), 'properties.enableSoftDelete', false),
  'Azure.KeyVault.PurgeProtect': (model) => set(inputs(model, 'keyvault:Vault'), 'properties.enablePurgeProtection', false),
  'Azure.KeyVault.RBAC': (model) => set(inputs(model, 'keyvault:Vault'), 'properties.enableRbacAuthorization', false),
  'Azure.KeyVault.Firewall': (model) => set(inputs(model, 'keyvault:Vault'), 'properties.networkAcls.defaultAction', 'Allow'),
  'Azure.KeyVault.AccessPolicy': (model) =>
    set(inputs(model, 'keyvault:Vault'), 'properties.accessPolicies', [{ tenantId: 't', objectId: 'o', permissions: { secrets: ['Get', 'Purge'] } }]),
  'Azure.KeyVault.Logs': (model) => set(inputs(model, 'monitor:DiagnosticSetting'), 'logs', [{ categoryGroup: 'audit', enabled: false }]),
  'Azure.KeyVault.Name': (model) => void (inputs(model, 'keyvault:Vault').vaultName = '1prprod-kv'),
  'Azure.KeyVault.SecretName': (model) => void (inputs(model, 'keyvault:Secret').secretName = 'search_hash_key'),
  'Azure.KeyVault.KeyName': (model) => void model.resources.push({ ...first(model, 'keyvault:Secret'), type: 'azure-native:keyvault:Key', name: 'signing-key', inputs: { keyName: 'signing.key' } }),
  'Azure.KeyVault.AutoRotationPolicy': (model) => void model.resources.push({ ...first(model, 'keyvault:Secret'), type: 'azure-native:keyvault:Key', name: 'signing-key', inputs: { keyName: 'signing-key', properties: {} } }),
  'Azure.Storage.Firewall': (model) => set(inputs(model, 'storage:StorageAccount'), 'networkRuleSet.defaultAction', 'Allow'),
  'Azure.Storage.MinTLS': (model) => void (inputs(model, 'storage:StorageAccount').minimumTlsVersion = 'TLS1_1'),
  'Azure.Storage.SecureTransfer': (model) => void (inputs(model, 'storage:StorageAccount').enableHttpsTrafficOnly = false),
  'Azure.Storage.BlobPublicAccess': (model) => delete inputs(model, 'storage:StorageAccount').allowBlobPublicAccess,
  'Azure.Storage.LocalAuth': (model) => void (inputs(model, 'storage:StorageAccount').allowSharedKeyAccess = true),
  'Azure.Storage.UseReplication': (model) => void (inputs(model, 'storage:StorageAccount').tags = { environment: 'prod' }),
  'Azure.Storage.SoftDelete': (model) => set(inputs(model, 'storage:BlobServiceProperties'), 'deleteRetentionPolicy.enabled', false),
  'Azure.Storage.ContainerSoftDelete': (model) => set(inputs(model, 'storage:BlobServiceProperties'), 'containerDeleteRetentionPolicy.days', 0),
  'Azure.Storage.BlobAccessType': (model) => void (inputs(model, 'storage:BlobContainer').publicAccess = 'Blob'),
  'Azure.Storage.Defender.MalwareScan': (model) =>
    void model.resources.push({
      ...first(model, 'storage:BlobContainer'),
      type: 'azure-native:security:DefenderForStorage',
      name: 'defender',
      inputs: { properties: { isEnabled: true, malwareScanning: { onUpload: { isEnabled: false } } } },
    }),
  'Azure.Storage.Name': (model) => void (inputs(model, 'storage:StorageAccount').accountName = 'prprod-papi'),
  'Azure.Log.Name': (model) => void (inputs(model, 'operationalinsights:Workspace').workspaceName = 'log'),
  'Azure.AppInsights.Workspace': (model) => delete inputs(model, 'applicationinsights:Component').workspaceResourceId,
  'Azure.AppInsights.LocalAuth': (model) => delete inputs(model, 'applicationinsights:Component').disableLocalAuth,
  'Azure.AppInsights.Name': (model) => void (inputs(model, 'applicationinsights:Component').resourceName = 'prprod appinsights'),
  'Azure.Identity.UserAssignedName': (model) => void (inputs(model, 'managedidentity:UserAssignedIdentity').resourceName = '-id'),
  'Azure.AppService.AvailabilityZone': (model) => void (inputs(model, 'web:AppServicePlan').zoneRedundant = false),
  'Azure.AppService.ManagedIdentity': (model) => delete site(model).identity,
  'Azure.AppService.ARRAffinity': (model) => delete site(model).clientAffinityEnabled,
  'Azure.AppService.UseHTTPS': (model) => void (site(model).httpsOnly = false),
  'Azure.AppService.MinTLS': (model) => set(site(model), 'siteConfig.minTlsVersion', '1.1'),
  'Azure.AppService.RemoteDebug': (model) => set(site(model), 'siteConfig.remoteDebuggingEnabled', true),
  'Azure.AppService.NETVersion': (model) => set(site(model), 'siteConfig.netFrameworkVersion', 'v4.6'),
  'Azure.AppService.PHPVersion': (model) => set(site(model), 'siteConfig.linuxFxVersion', 'PHP|8.1'),
  'Azure.AppService.NodeJsVersion': (model) => set(site(model), 'siteConfig.linuxFxVersion', 'Node|18'),
  'Azure.AppService.HTTP2': (model) => set(site(model), 'siteConfig.http20Enabled', false),
  'Azure.APIM.ManagedIdentity': (model) => delete service(model).identity,
  'Azure.APIM.Protocols': (model) => void ((service(model).customProperties as Record<string, string>)['Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11'] = 'True'),
  'Azure.APIM.Ciphers': (model) => delete (service(model).customProperties as Record<string, string>)[cipher('TLS_RSA_WITH_AES_128_GCM_SHA256')],
  'Azure.APIM.Name': (model) => void (service(model).serviceName = '1apim'),
  'Azure.APIM.HTTPEndpoint': (model) => void (inputs(model, 'apimanagement:Api').protocols = ['http', 'https']),
  'Azure.APIM.APIDescriptors': (model) => delete inputs(model, 'apimanagement:Api').description,
  'Azure.APIM.HTTPBackend': (model) => void (inputs(model, 'apimanagement:Backend').url = 'http://patient-api.example/api'),
  'Azure.APIM.EncryptValues': (model) => void model.resources.push({ ...first(model, 'apimanagement:NamedValue'), name: 'plain-value', inputs: { namedValueId: 'plain', value: 'x', secret: false } }),
  'Azure.APIM.ProductSubscription': (model) => void (inputs(model, 'apimanagement:Product').subscriptionRequired = false),
  'Azure.APIM.ProductApproval': (model) => void (inputs(model, 'apimanagement:Product').approvalRequired = false),
  'Azure.APIM.SampleProducts': (model) => void model.resources.push({ ...first(model, 'apimanagement:Product'), name: 'starter', inputs: { ...inputs(model, 'apimanagement:Product'), productId: 'starter' } }),
  'Azure.APIM.ProductDescriptors': (model) => delete inputs(model, 'apimanagement:Product').description,
  'Azure.APIM.CertificateExpiry': (model) =>
    void (service(model).hostnameConfigurations = [{ type: 'Proxy', hostName: 'api.example.org', certificate: { expiry: new Date(Date.now() + 86_400_000).toISOString() } }]),
  'Azure.APIM.AvailabilityZone': (model) => void (service(model).zones = ['1']),
  'Azure.APIM.MinAPIVersion': (model) => set(service(model), 'apiVersionConstraint.minApiVersion', '2019-12-01'),
  'Azure.APIM.MultiRegion': (model) => delete service(model).additionalLocations,
  'Azure.APIM.MultiRegionGateway': (model) => set((service(model).additionalLocations as unknown[])[0], 'disableGateway', true),
  'Azure.APIM.PolicyBase': (model) => {
    const policy = inputs(model, 'apimanagement:ApiPolicy');
    policy.value = String(policy.value).replace(/(<backend>[\s\S]*?)<base \/>/, '$1');
  },
  'Azure.APIM.DefenderCloud': (model) => {
    model.resources = model.resources.filter((entry) => entry.type !== 'azure-native:security:APICollectionByAzureApiManagementService');
  },
};
