import { TELEMETRY_AUTHENTICATION_SETTING, TELEMETRY_SETTING } from '../../../contracts/app-settings';

/**
 * What the local stack does with each resource type and property the program may declare. A
 * type or property on neither list stops start-up with its name: the local stack never runs a
 * declaration it has not been taught, as the gateway refuses a policy element it does not know.
 */
export interface EmulatedType {
  /** What stands in for the resource on this machine. */
  local: string;
  /** Properties the local stack follows, and what it does with each. */
  emulated: Record<string, string>;
  /** Properties declared but not emulated, and why nothing local depends on them. */
  notEmulated: Record<string, string>;
}

const PLACEMENT = {
  emulated: { resourceGroupName: 'the resource group of its id on the ARM twin' },
  notEmulated: {
    location: 'one machine has no regions',
    tags: 'nothing local reads tags',
  },
};

const TLS = 'no TLS locally: every process speaks plain HTTP (or MongoDB without TLS) on loopback';

export const EMULATED_TYPES: Record<string, EmulatedType> = {
  'azure-native:resources:ResourceGroup': {
    local: 'the resource group the ARM twin serves every resource under',
    emulated: { resourceGroupName: 'the resource group of the ARM twin' },
    notEmulated: PLACEMENT.notEmulated,
  },
  'azure-native:managedidentity:UserAssignedIdentity': {
    local: 'a principal: role assignments and the sites that use it name it by its principal id',
    emulated: { ...PLACEMENT.emulated, resourceName: 'its id, which sites and role assignments refer to' },
    notEmulated: PLACEMENT.notEmulated,
  },
  'azure-native:network:VirtualNetwork': {
    local: 'the loopback interface, 127.0.0.0/8',
    emulated: { ...PLACEMENT.emulated, virtualNetworkName: 'the network its subnets belong to' },
    notEmulated: {
      ...PLACEMENT.notEmulated,
      addressSpace: 'each subnet maps to the loopback range of the mapping table, whatever its Azure prefix',
      enableDdosProtection: 'no traffic reaches the machine from outside',
      enableVmProtection: 'no virtual machines',
    },
  },
  'azure-native:network:Subnet': {
    local: 'the loopback range the mapping table gives its name',
    emulated: {
      resourceGroupName: 'the resource group of its id',
      virtualNetworkName: 'the network of its id',
      subnetName: 'the key of the mapping table: which loopback range stands in for it',
      serviceEndpoints: 'a Key Vault or Cosmos DB rule admits the subnet only if it has that service endpoint, as ARM requires',
      networkSecurityGroup: "its inbound rules decide which subnets reach the private endpoints in it; no other traffic is filtered on loopback",
      privateEndpointNetworkPolicies: 'Enabled: the NSG applies to the private endpoints in the subnet, as on Azure',
    },
    notEmulated: {
      defaultOutboundAccess: 'loopback has no internet outbound access to withhold',
      addressPrefix: 'the loopback range comes from the mapping table',
      delegations: 'lets a plan integrate with the subnet; locally a site binds its outbound address directly',
      privateLinkServiceNetworkPolicies: 'no private link services',
    },
  },
  'azure-native:keyvault:Vault': {
    local: 'the Key Vault twin: versioned secrets, RBAC per secret, firewall',
    emulated: {
      ...PLACEMENT.emulated,
      vaultName: 'its name in Key Vault errors and on the ARM twin',
      'properties.enableRbacAuthorization': 'must be true: the twin authorizes with role assignments only',
      'properties.publicNetworkAccess': 'Disabled refuses every read (no private endpoints locally)',
      'properties.networkAcls.defaultAction': 'Deny admits only the subnets and ranges listed',
      'properties.networkAcls.virtualNetworkRules': 'the loopback ranges of the subnets admitted',
      'properties.networkAcls.ipRules': 'ranges admitted as they are (public ranges never match a loopback address)',
    },
    notEmulated: {
      ...PLACEMENT.notEmulated,
      'properties.tenantId': 'one tenant locally',
      'properties.sku': 'no tiers locally',
      'properties.enableSoftDelete': 'nothing is deleted locally: every version stays in the store',
      'properties.softDeleteRetentionInDays': 'nothing is deleted locally',
      'properties.enablePurgeProtection': 'nothing is deleted locally',
      'properties.enabledForDeployment': 'no virtual machines read the vault',
      'properties.enabledForDiskEncryption': 'no disks are encrypted',
      'properties.enabledForTemplateDeployment': 'no ARM templates are deployed',
      'properties.networkAcls.bypass': 'trusted Azure services: no local caller is one (App Service and API Management read secrets as ordinary callers)',
    },
  },
  'azure-native:keyvault:Secret': {
    local: 'a secret of the Key Vault twin',
    emulated: {
      resourceGroupName: 'the resource group of its id',
      vaultName: 'the vault it belongs to',
      secretName: 'its name',
      'properties.value': 'written at creation (a random value, a connection string of a local account, or the declared text)',
    },
    notEmulated: {
      tags: 'nothing local reads tags', 'properties.contentType': 'the twin keeps no content type' },
  },
  'azure-native:authorization:RoleAssignment': {
    local: "a role assignment of the Key Vault twin (Key Vault Secrets User on one secret); on a resource that is not emulated, nothing",
    emulated: {
      scope: 'the secret it grants, by id',
      principalId: 'the identity it grants, by principal id',
      roleDefinitionId: 'Key Vault Secrets User is the only role the twin knows on a secret',
    },
    notEmulated: { principalType: 'principals are not looked up in a directory', description: 'nothing local reads it' },
  },
  'azure-native:cosmosdb:DatabaseAccount': {
    local: 'a MongoDB twin process in the Cosmos DB profile, with its own account key',
    emulated: {
      ...PLACEMENT.emulated,
      accountName: 'the user name of its credentials',
      kind: 'must be MongoDB',
      'apiProperties.serverVersion': 'the server version the twin reports',
      'backupPolicy.type': 'Continuous: unique indexes only when a collection is created',
      'backupPolicy.continuousModeProperties': 'read with the type',
      capabilities: 'must include EnableMongo; EnableServerless changes nothing locally (request units are not emulated)',
      disableKeyBasedMetadataWriteAccess: 'true refuses collection and index changes made with the account key',
      publicNetworkAccess: 'Disabled refuses every connection (no private endpoints locally)',
      isVirtualNetworkFilterEnabled: 'true admits only the subnets of virtualNetworkRules and the ranges of ipRules',
      virtualNetworkRules: 'the loopback ranges of the subnets admitted',
      ipRules: 'ranges admitted as they are',
    },
    notEmulated: {
      ...PLACEMENT.notEmulated,
      databaseAccountOfferType: 'no offers or billing locally',
      consistencyPolicy: 'one replica: every read is consistent',
      locations: 'one replica, no regions',
      createMode: 'the account is made as declared; no restores',
      minimalTlsVersion: TLS,
      networkAclBypass: 'no Azure service connects to the account locally',
    },
  },
  'azure-native:cosmosdb:MongoDBResourceMongoDBDatabase': {
    local: 'a database of its account twin',
    emulated: { resourceGroupName: 'the resource group of its id', accountName: 'the account it belongs to', databaseName: 'its name', 'resource.id': 'its name' },
    notEmulated: {
      tags: 'nothing local reads tags', options: 'throughput: request units are not emulated' },
  },
  'azure-native:cosmosdb:MongoDBResourceMongoDBCollection': {
    local: "a collection of its account twin, created through the twin's control plane as ARM does",
    emulated: {
      resourceGroupName: 'the resource group of its id',
      accountName: 'the account it belongs to',
      databaseName: 'the database it belongs to',
      collectionName: 'its name',
      'resource.id': 'its name',
      'resource.shardKey': 'the hashed shard key',
      'resource.indexes': 'the indexes, with their options',
    },
    notEmulated: {
      tags: 'nothing local reads tags', options: 'throughput: request units are not emulated' },
  },
  'azure-native:storage:Blob': {
    local: "the app's package: the Functions host loads the zip of its source",
    emulated: {
      resourceGroupName: 'the resource group of its id',
      accountName: "matched with the site's WEBSITE_RUN_FROM_PACKAGE URL",
      containerName: "matched with the site's WEBSITE_RUN_FROM_PACKAGE URL",
      blobName: "matched with the site's WEBSITE_RUN_FROM_PACKAGE URL",
      'source.path': 'the zip the Functions host unpacks and loads',
    },
    notEmulated: { contentType: 'the host reads the file, not its metadata', type: 'the host reads the file, not its metadata' },
  },
  'azure-native:web:WebApp': {
    local: 'a Functions host process that runs the package through the Node.js worker twin',
    emulated: {
      ...PLACEMENT.emulated,
      name: 'its id on the ARM twin, and its host name',
      kind: 'must be a Linux function app',
      identity: 'its user-assigned identities: the principals it may act as',
      keyVaultReferenceIdentity: 'the identity its Key Vault references are resolved with',
      virtualNetworkSubnetId: 'the subnet its outbound connections leave from',
      'siteConfig.vnetRouteAllEnabled': 'true: every outbound connection leaves from the subnet; false: from the public outbound address',
      'siteConfig.appSettings': "the app's environment, Key Vault references resolved",
      'siteConfig.linuxFxVersion': 'must name the Node.js major version the local host runs',
      'siteConfig.ipSecurityRestrictions': 'the main site admits the sources of these rules',
      'siteConfig.ipSecurityRestrictionsDefaultAction': 'what the main site does with a source no rule matches',
      'siteConfig.scmIpSecurityRestrictions': 'the SCM site admits the sources of these rules',
      'siteConfig.scmIpSecurityRestrictionsDefaultAction': 'what the SCM site does with a source no rule matches',
      'siteConfig.scmIpSecurityRestrictionsUseMain': 'true: the SCM site takes the main site rules',
    },
    notEmulated: {
      ...PLACEMENT.notEmulated,
      serverFarmId: 'one process per app: no plan, instances or scale-out',
      reserved: 'the local host is Linux-like whatever this says',
      httpsOnly: TLS,
      clientCertEnabled: TLS,
      clientAffinityEnabled: 'one instance: no affinity',
      hyperV: 'no containers',
      isXenon: 'no containers',
      scmSiteAlsoStopped: 'sites are never stopped locally',
      'siteConfig.minTlsVersion': TLS,
      'siteConfig.scmMinTlsVersion': TLS,
      'siteConfig.ftpsState': 'no FTP publishing locally: the package comes from the blob',
      'siteConfig.http20Enabled': 'the local host speaks HTTP/1.1',
      'siteConfig.remoteDebuggingEnabled': 'no remote debugger',
      'siteConfig.localMySqlEnabled': 'no in-app MySQL',
      'siteConfig.netFrameworkVersion': 'a Node.js app',
    },
  },
  'azure-native:apimanagement:ApiManagementService': {
    local: 'the gateway process (API Management twin)',
    emulated: {
      ...PLACEMENT.emulated,
      serviceName: 'its id on the ARM twin',
      identity: 'its system-assigned principal, which reads its Key Vault-backed named values',
      virtualNetworkType: 'External or Internal: it connects out from its subnet; None: from the public outbound address',
      'virtualNetworkConfiguration.subnetResourceId': 'the subnet it connects out from',
    },
    notEmulated: {
      apiVersionConstraint: 'the local gateway serves no management API',
      additionalLocations: 'one gateway on one machine: a second region has no local counterpart',
      zones: 'one machine has no availability zones',
      ...PLACEMENT.notEmulated,
      sku: 'one gateway process: no tiers or units',
      publisherName: 'no developer portal',
      publisherEmail: 'no developer portal',
      publicIpAddressId: 'the gateway listens on 127.0.0.1',
      customProperties: `protocol and cipher switches; ${TLS}`,
      developerPortalStatus: 'no developer portal',
      legacyPortalStatus: 'no developer portal',
      disableGateway: 'one region, one gateway',
      enableClientCertificate: TLS,
      natGatewayState: 'no NAT gateway',
      restore: 'the service is made as declared; no restores',
    },
  },
  'azure-native:apimanagement:NamedValue': {
    local: 'a named value the gateway holds, fetched from the Key Vault twin with the service identity',
    emulated: {
      resourceGroupName: 'the resource group of its id',
      serviceName: 'the service it belongs to',
      namedValueId: 'the name policies use',
      secret: 'must be true for a Key Vault-backed value, as API Management requires',
      'keyVault.secretIdentifier': 'the secret it is fetched from',
    },
    notEmulated: { displayName: 'policies refer to the id' },
  },
  'azure-native:apimanagement:Backend': {
    local: 'a backend of the gateway: its URL mapped to the local address of the site it names',
    emulated: {
      resourceGroupName: 'the resource group of its id',
      serviceName: 'the service it belongs to',
      backendId: 'the id set-backend-service uses',
      url: "the site's local address (plain HTTP)",
      protocol: 'must be http',
    },
    notEmulated: { tls: TLS },
  },
  'azure-native:apimanagement:Api': {
    local: 'an API of the gateway: its operations from the imported OpenAPI document',
    emulated: {
      resourceGroupName: 'the resource group of its id',
      serviceName: 'the service it belongs to',
      apiId: 'which API of the gateway it is',
      path: 'the URL suffix the gateway serves it under',
      value: 'the OpenAPI document the gateway routes by',
      format: 'must be openapi+json',
      apiType: 'must be http',
      subscriptionRequired: 'must be true: the gateway asks every caller for a subscription key',
      subscriptionKeyParameterNames: 'must be the defaults the gateway reads (header Ocp-Apim-Subscription-Key, query subscription-key)',
    },
    notEmulated: {
      description: 'shown to developers only; the gateway routes by path and operations',
      displayName: 'nothing local shows it',
      protocols: TLS,
      serviceUrl: "the policy's set-backend-service names the backend of every operation",
    },
  },
  'azure-native:apimanagement:ApiPolicy': {
    local: 'the policy the gateway executes for the API',
    emulated: {
      resourceGroupName: 'the resource group of its id',
      serviceName: 'the service it belongs to',
      apiId: 'the API it applies to',
      policyId: 'must be policy',
      value: 'the policy document, parsed at start-up (an element the gateway does not implement stops it)',
      format: 'must be rawxml',
    },
    notEmulated: {},
  },
  'azure-native:apimanagement:Product': {
    local: 'a product of the gateway: which APIs its subscriptions open',
    emulated: {
      resourceGroupName: 'the resource group of its id',
      serviceName: 'the service it belongs to',
      productId: 'its id, which subscriptions name',
      subscriptionRequired: 'must be true',
      state: 'must be published',
    },
    notEmulated: { displayName: 'nothing local shows it', description: 'nothing local shows it', approvalRequired: 'subscriptions are made by the stack, never requested' },
  },
  'azure-native:apimanagement:ProductApi': {
    local: 'an API a product opens',
    emulated: { resourceGroupName: 'the resource group of its id', serviceName: 'the service it belongs to', productId: 'the product', apiId: 'the API' },
    notEmulated: {},
  },
  'azure-native:apimanagement:Subscription': {
    local: 'a subscription of the gateway, with keys made on this machine',
    emulated: {
      resourceGroupName: 'the resource group of its id',
      serviceName: 'the service it belongs to',
      sid: 'its id on the ARM twin (listSecrets)',
      scope: 'the product it subscribes to',
      state: 'must be active',
      displayName: 'its name',
    },
    notEmulated: { allowTracing: 'no request tracing locally' },
  },
  'random:index/randomString:RandomString': {
    local: "the mocks' fixed result: the local resources carry the names the program makes with it",
    emulated: {},
    notEmulated: { length: "the mocks' result stands in", special: "the mocks' result stands in", upper: "the mocks' result stands in", numeric: "the mocks' result stands in" },
  },
  'random:index/randomPassword:RandomPassword': {
    local: 'a random value made on this machine, kept in the Key Vault twin as Pulumi keeps the result in its state',
    emulated: { length: 'the length of the local value', special: 'false: letters and digits only' },
    notEmulated: {},
  },
};

const TELEMETRY = 'telemetry never leaves the machine: APPLICATIONINSIGHTS_CONNECTION_STRING is withheld from the apps and the gateway logger is off; logs are JSON lines under <dataDir>/logs';
const PRIVATE_LINK = "followed for admission only: a vault or account with a private endpoint whose DNS zone is linked to the VNet admits the subnets the endpoint subnet's NSG lets in to it (twin/stack/topology/private-endpoints.ts); the endpoint's own address and DNS name have no local counterpart";
const STORAGE = "host storage: the Functions host keeps its keys in a 0600 file and loads the package from the blob's source";

/** Types the program declares that nothing local depends on, and why. */
export const NOT_EMULATED_TYPES: Record<string, string> = {
  'azure-native:operationalinsights:Workspace': TELEMETRY,
  'azure-native:applicationinsights:Component': TELEMETRY,
  'azure-native:apimanagement:Logger': TELEMETRY,
  'azure-native:apimanagement:Diagnostic': TELEMETRY,
  'azure-native:web:AppServicePlan': 'one process per app: no plan, instances, SKU or scale-out',
  'azure-native:storage:StorageAccount': STORAGE,
  'azure-native:storage:BlobContainer': STORAGE,
  'azure-native:web:WebAppFtpAllowed': 'no FTP or Kudu publishing locally: the package comes from the blob',
  'azure-native:web:WebAppScmAllowed': 'no FTP or Kudu publishing locally: the package comes from the blob',
  'azure-native:network:NetworkSecurityGroup': "no network security groups on loopback; the rules are API Management's management traffic, which has no local counterpart",
  'azure-native:network:PublicIPAddress': 'the gateway listens on 127.0.0.1',
  'azure-native:network:PrivateDnsZone': 'names are not resolved locally: addresses come from the mapping table',
  'azure-native:privatedns:PrivateZone': PRIVATE_LINK,
  'azure-native:privatedns:VirtualNetworkLink': PRIVATE_LINK,
  'azure-native:network:PrivateEndpoint': PRIVATE_LINK,
  'azure-native:network:PrivateDnsZoneGroup': PRIVATE_LINK,
  'azure-native:network:ApplicationSecurityGroup': "no network security groups on loopback: which subnet may reach which service is the services' own admission (access restrictions, network rules)",
  'azure-native:monitor:DiagnosticSetting': TELEMETRY,
  'azure-native:storage:BlobServiceProperties': STORAGE,
  'azure-native:apimanagement:Policy': "the global policy's steps are the gateway's own: it runs the API policy's <base /> as API Management runs the global one",
  'azure-native:security:APICollectionByAzureApiManagementService': 'Defender for APIs watches traffic on Azure; nothing local is watched',
};

/** Settings of a function app that belong to the platform, and what the local host does with each. */
export const PLATFORM_SETTINGS: { emulated: Record<string, string>; notEmulated: Record<string, string> } = {
  emulated: {
    FUNCTIONS_WORKER_RUNTIME: 'must be node: the local host runs Node.js workers only',
    FUNCTIONS_EXTENSION_VERSION: 'must be ~4: the local host is a Functions 4 host',
    WEBSITE_RUN_FROM_PACKAGE: "the blob whose declared source is the package the host loads",
  },
  notEmulated: {
    WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: 'the package is read from its source file, with no identity',
    AzureWebJobsStorage__accountName: STORAGE,
    AzureWebJobsStorage__credential: STORAGE,
    AzureWebJobsStorage__clientId: STORAGE,
    [TELEMETRY_SETTING]: TELEMETRY,
    [TELEMETRY_AUTHENTICATION_SETTING]: TELEMETRY,
  },
};
