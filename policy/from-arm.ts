import { resourceKey, type ModelResource, type StackModel } from './model';

/** A resource as ARM answers a GET on it (or an item of a list). */
export interface ArmResource {
  id: string;
  name?: string;
  type?: string;
  kind?: string;
  location?: string;
  tags?: Record<string, string>;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  properties?: Record<string, unknown>;
}

/** One operation of an API Management API with its tag, as `apis/{apiId}/operationsByTags` lists it. */
export interface ArmTaggedOperation {
  tag?: { name?: string };
  operation?: { method?: string; urlTemplate?: string };
}

/**
 * What a deployment holds, read through ARM: every resource of its resource group and their child
 * resources, each site's `config/web` and `config/appsettings` (listed) among them as ARM answers
 * them, the role assignments that apply to the group, and what only a POST reveals.
 */
export interface ArmSnapshot {
  resources: ArmResource[];
  /** Which site is which app: ARM id by app name (the stack's outputs). */
  sites: Record<'patient-api' | 'audit-api', string>;
  /** API ARM id → its operations by tag: ARM does not return the document an API was imported from. */
  apiOperations: Record<string, ArmTaggedOperation[]>;
  /** Values that must never appear in plain text: host keys and connection strings ARM listed. */
  secretValues: string[];
  /** Cosmos DB account name → its MongoDB connection string (`listConnectionStrings`). */
  connectionStrings: Record<string, string>;
}

interface TypeMapping {
  token: string;
  /** The azure-native input that names each level of the id (`undefined`: a level no input names). */
  names: (string | undefined)[];
  /** An extension resource: the input that takes the resource it sits on, as its id or its name. */
  scope?: { input: string; as: 'id' | 'name' };
}

/** ARM resource types (lowercase, from the id; extension resources by their own provider) and the azure-native resource each one is. */
const TYPES: Record<string, TypeMapping> = {
  'microsoft.resources/resourcegroups': { token: 'resources:ResourceGroup', names: ['resourceGroupName'] },
  'microsoft.network/virtualnetworks': { token: 'network:VirtualNetwork', names: ['virtualNetworkName'] },
  'microsoft.network/virtualnetworks/subnets': { token: 'network:Subnet', names: ['virtualNetworkName', 'subnetName'] },
  'microsoft.network/networksecuritygroups': { token: 'network:NetworkSecurityGroup', names: ['networkSecurityGroupName'] },
  'microsoft.network/publicipaddresses': { token: 'network:PublicIPAddress', names: ['publicIpAddressName'] },
  'microsoft.network/applicationsecuritygroups': { token: 'network:ApplicationSecurityGroup', names: ['applicationSecurityGroupName'] },
  'microsoft.network/privateendpoints': { token: 'network:PrivateEndpoint', names: ['privateEndpointName'] },
  'microsoft.network/privateendpoints/privatednszonegroups': { token: 'network:PrivateDnsZoneGroup', names: ['privateEndpointName', 'privateDnsZoneGroupName'] },
  'microsoft.network/privatednszones': { token: 'privatedns:PrivateZone', names: ['privateZoneName'] },
  'microsoft.network/privatednszones/virtualnetworklinks': { token: 'privatedns:VirtualNetworkLink', names: ['privateZoneName', 'virtualNetworkLinkName'] },
  'microsoft.insights/diagnosticsettings': { token: 'monitor:DiagnosticSetting', names: ['name'], scope: { input: 'resourceUri', as: 'id' } },
  'microsoft.operationalinsights/workspaces': { token: 'operationalinsights:Workspace', names: ['workspaceName'] },
  'microsoft.insights/components': { token: 'applicationinsights:Component', names: ['resourceName'] },
  'microsoft.web/serverfarms': { token: 'web:AppServicePlan', names: ['name'] },
  'microsoft.web/sites': { token: 'web:WebApp', names: ['name'] },
  'microsoft.storage/storageaccounts': { token: 'storage:StorageAccount', names: ['accountName'] },
  'microsoft.storage/storageaccounts/blobservices': { token: 'storage:BlobServiceProperties', names: ['accountName', 'blobServicesName'] },
  'microsoft.storage/storageaccounts/blobservices/containers': { token: 'storage:BlobContainer', names: ['accountName', undefined, 'containerName'] },
  'microsoft.managedidentity/userassignedidentities': { token: 'managedidentity:UserAssignedIdentity', names: ['resourceName'] },
  'microsoft.keyvault/vaults': { token: 'keyvault:Vault', names: ['vaultName'] },
  'microsoft.keyvault/vaults/secrets': { token: 'keyvault:Secret', names: ['vaultName', 'secretName'] },
  'microsoft.documentdb/databaseaccounts': { token: 'cosmosdb:DatabaseAccount', names: ['accountName'] },
  'microsoft.documentdb/databaseaccounts/mongodbdatabases': { token: 'cosmosdb:MongoDBResourceMongoDBDatabase', names: ['accountName', 'databaseName'] },
  'microsoft.documentdb/databaseaccounts/mongodbdatabases/collections': {
    token: 'cosmosdb:MongoDBResourceMongoDBCollection',
    names: ['accountName', 'databaseName', 'collectionName'],
  },
  'microsoft.apimanagement/service': { token: 'apimanagement:ApiManagementService', names: ['serviceName'] },
  'microsoft.apimanagement/service/policies': { token: 'apimanagement:Policy', names: ['serviceName', 'policyId'] },
  'microsoft.apimanagement/service/namedvalues': { token: 'apimanagement:NamedValue', names: ['serviceName', 'namedValueId'] },
  'microsoft.apimanagement/service/backends': { token: 'apimanagement:Backend', names: ['serviceName', 'backendId'] },
  'microsoft.apimanagement/service/apis': { token: 'apimanagement:Api', names: ['serviceName', 'apiId'] },
  'microsoft.apimanagement/service/apis/policies': { token: 'apimanagement:ApiPolicy', names: ['serviceName', 'apiId', 'policyId'] },
  'microsoft.apimanagement/service/apis/diagnostics': { token: 'apimanagement:ApiDiagnostic', names: ['serviceName', 'apiId', 'diagnosticId'] },
  'microsoft.apimanagement/service/products': { token: 'apimanagement:Product', names: ['serviceName', 'productId'] },
  'microsoft.apimanagement/service/products/apis': { token: 'apimanagement:ProductApi', names: ['serviceName', 'productId', 'apiId'] },
  'microsoft.apimanagement/service/subscriptions': { token: 'apimanagement:Subscription', names: ['serviceName', 'sid'] },
  'microsoft.apimanagement/service/diagnostics': { token: 'apimanagement:Diagnostic', names: ['serviceName', 'diagnosticId'] },
  'microsoft.apimanagement/service/loggers': { token: 'apimanagement:Logger', names: ['serviceName', 'loggerId'] },
  'microsoft.authorization/roleassignments': { token: 'authorization:RoleAssignment', names: [] },
  'microsoft.security/apicollections': { token: 'security:APICollectionByAzureApiManagementService', names: ['apiId'], scope: { input: 'serviceName', as: 'name' } },
};

/**
 * The stack's one resource of a type that invariants look up by its Pulumi logical name, which
 * Azure does not hold (the sites and storage accounts are told apart by the app they serve).
 */
const LOGICAL_NAMES: Record<string, string> = {
  'apimanagement:ApiManagementService': 'apim-service',
  'applicationinsights:Component': 'monitoring-appinsights',
};

/** The basic-auth publishing policies are one ARM type whose name says which resource azure-native makes of it. */
const PUBLISHING_POLICIES: Record<string, string> = { ftp: 'web:WebAppFtpAllowed', scm: 'web:WebAppScmAllowed' };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * ARM answers unset properties as null where a program's inputs leave them out: drop them, and lift
 * each sub-resource in a list (an NSG's rules, a subnet's delegations) out of its `properties`, as
 * azure-native's inputs take them. ARM ids compare case-insensitively and ARM answers some in
 * another casing than the resource's own (`resourcegroups`; assumed): each id, value or key, is
 * written as the resource it names spells it.
 */
function normalise(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') return ids.get(value.toLowerCase()) ?? value;
  if (Array.isArray(value)) {
    return value.map((item) => normalise(isObject(item) && isObject(item.properties) ? { ...item, ...item.properties, properties: undefined } : item, ids));
  }
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child !== null && child !== undefined) out[ids.get(key.toLowerCase()) ?? key] = normalise(child, ids);
  }
  return out;
}

/**
 * The ARM type (lowercase) and the names along a resource id: `/…/providers/NS/t1/n1/t2/n2` →
 * `ns/t1/t2`, [n1, n2]; an extension resource (`{scope}/providers/NS/t/n`) is read after its last
 * provider, with the id of the resource it sits on as its scope.
 */
function parseId(id: string): { type: string; names: string[]; scope: string } {
  const group = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)$/i.exec(id);
  if (group) return { type: 'microsoft.resources/resourcegroups', names: [decodeURIComponent(group[1])], scope: '' };
  const cut = id.search(/\/providers\/(?!.*\/providers\/)/i);
  const scope = cut > 0 ? id.slice(0, cut) : '';
  const rest = id.split(/\/providers\//i).at(-1) ?? '';
  const [namespace, ...pairs] = rest.split('/');
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    types.push(pairs[i]);
    names.push(decodeURIComponent(pairs[i + 1]));
  }
  return { type: [namespace, ...types].join('/').toLowerCase(), names, scope };
}

/** The document an API was imported from, as far as the invariants read it: each operation's tags. */
function importedDocument(operations: ArmTaggedOperation[]): string {
  const paths: Record<string, Record<string, { tags: string[] }>> = {};
  for (const { tag, operation } of operations) {
    if (!operation?.urlTemplate || !operation.method) continue;
    const methods = (paths[operation.urlTemplate] ??= {});
    const entry = (methods[operation.method.toLowerCase()] ??= { tags: [] });
    if (tag?.name) entry.tags.push(tag.name);
  }
  return JSON.stringify({ paths });
}

/**
 * API Management answers a subscription's scope relative to its service (`/products/consumers`)
 * where the program declares the product's id (assumed from the portal's exports).
 */
function subscriptionScope(scope: unknown, serviceId: string): unknown {
  return typeof scope === 'string' && /^\/(products|apis)\//i.test(scope) ? `${serviceId}${scope}` : scope;
}

/**
 * The policy model from ARM's JSON, for `patientctl verify`: each ARM resource becomes the
 * azure-native resource that declares it, in the shape of its inputs (`properties.*` lifted one
 * level; a vault and a secret keep `properties`, as azure-native takes them), the inputs that name
 * it taken from its id, and a site's `siteConfig` read from its `config/web` with its app settings
 * from `config/appsettings`. What Azure does not hold (creation order, Pulumi's options) is empty:
 * the invariants that need it are marked `notLive` and are not run on this model.
 */
export function modelFromArm(snapshot: ArmSnapshot): StackModel {
  const byId = new Map(snapshot.resources.map((resource) => [resource.id.toLowerCase(), resource]));
  const ids = new Map(snapshot.resources.map((resource) => [resource.id.toLowerCase(), resource.id]));
  const child = (site: ArmResource, name: string) => byId.get(`${site.id}/config/${name}`.toLowerCase());
  const appOfSite = new Map(Object.entries(snapshot.sites).map(([app, id]) => [id.toLowerCase(), app]));
  const storageOwner = new Map<string, string>();
  for (const [app, id] of Object.entries(snapshot.sites)) {
    const site = byId.get(id.toLowerCase());
    const account = site && child(site, 'appsettings')?.properties?.AzureWebJobsStorage__accountName;
    if (typeof account === 'string') storageOwner.set(account.toLowerCase(), app);
  }

  const model: ModelResource[] = [];
  for (const resource of snapshot.resources) {
    const { type, names, scope } = parseId(resource.id);
    const mapping = TYPES[type];
    const token = type === 'microsoft.web/sites/basicpublishingcredentialspolicies' ? PUBLISHING_POLICIES[names[1]?.toLowerCase() ?? ''] : mapping?.token;
    if (!token) continue;
    const nameInputs: Record<string, string> = {};
    // A basic-auth policy is named by its site, as azure-native's `name` input.
    const levels = mapping?.names ?? ['name'];
    levels.forEach((input, i) => {
      if (input !== undefined && names[i] !== undefined) nameInputs[input] = names[i];
    });
    if (mapping?.scope) nameInputs[mapping.scope.input] = mapping.scope.as === 'id' ? (ids.get(scope.toLowerCase()) ?? scope) : (scope.split('/').at(-1) ?? '');
    const body = normalise({ ...resource, id: undefined, name: undefined, type: undefined }, ids) as Record<string, unknown>;
    const { properties: nested, ...envelope } = body;
    const inner = isObject(nested) ? nested : {};
    let properties: Record<string, unknown>;
    if (token === 'keyvault:Vault' || token === 'keyvault:Secret') properties = { ...envelope, ...nameInputs, properties: inner };
    else properties = { ...envelope, ...inner, ...nameInputs };

    let name = names.join('/');
    if (token === 'web:WebApp') {
      const app = appOfSite.get(resource.id.toLowerCase());
      if (app) name = `${app}-site`;
      const settings = child(resource, 'appsettings')?.properties ?? {};
      properties.siteConfig = {
        ...(normalise(child(resource, 'web')?.properties ?? {}, ids) as Record<string, unknown>),
        appSettings: Object.entries(settings).map(([key, value]) => ({ name: key, value: String(value) })),
      };
    }
    if (token === 'storage:StorageAccount') {
      const owner = storageOwner.get(names[0].toLowerCase());
      if (owner) name = `${owner}-storage`;
      // azure-native's input for ARM's supportsHttpsTrafficOnly.
      properties.enableHttpsTrafficOnly = properties.supportsHttpsTrafficOnly;
    }
    name = LOGICAL_NAMES[token] ?? name;
    if (token === 'apimanagement:Api') properties.value = importedDocument(snapshot.apiOperations[resource.id] ?? []);
    if (token === 'apimanagement:Subscription') properties.scope = subscriptionScope(properties.scope, resource.id.replace(/\/subscriptions\/[^/]+$/i, ''));

    model.push({
      type: `azure-native:${token}`,
      name,
      key: resourceKey({ type: `azure-native:${token}`, name }),
      id: resource.id,
      properties,
      // What Azure assigned is in the same answer: principal and client ids, host names, URIs.
      assigned: properties,
      secretPaths: undefined,
      protect: false,
      ignoreChanges: [],
      waitsFor: [],
    });
  }
  return {
    resources: model,
    outputs: undefined,
    secretValues: snapshot.secretValues,
    connectionStrings: snapshot.connectionStrings,
    deployerObjectId: undefined,
  };
}
