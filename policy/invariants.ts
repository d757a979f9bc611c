import { DATABASES } from '../contracts/collections';
import { at, createdBefore, type ModelResource, type StackModel } from './model';
import { psRules } from './psrule/rules';
import type { Pillar } from './psrule/rule';
import { stackEnvironment, waiverFor } from './waivers';

/**
 * The security invariants of docs/design.md §6 and §7 as functions over the stack's model. Each returns its
 * violations (empty when the stack complies), so a test can also show that a broken stack fails it.
 * The same list is the policy pack (index.ts) and the tests' checks (test/stacks/security.test.ts).
 */
export interface Invariant {
  /** The policy's name in the pack: lowercase words joined by hyphens, or the PSRule for Azure rule's name. */
  id: string;
  /** For a PSRule for Azure rule: its Well-Architected pillar. */
  pillar?: Pillar;
  /** What holds, in a sentence. */
  name: string;
  check: (model: StackModel) => string[];
  /**
   * Why CrossGuard cannot check it, for the few that need what a policy pack is never shown: they
   * run in the tests only. Every other invariant is a stack policy of the pack.
   */
  programOnly?: string;
  /**
   * Why a live deployment cannot show it (creation order, Pulumi's options, how the program
   * declares a resource): `patientctl verify` skips it and says so. Every other invariant is checked
   * against what ARM answers too.
   */
  notLive?: string;
}

const roles = {
  secretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  metricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};

/** docs/design.md §7, written out independently of the program's own table. */
const expectedReaders: Record<string, string[]> = {
  apim: ['patient-api-host-key'],
  'patient-api': ['audit-api-host-key', 'patients-db-connection', 'search-hash-key'],
  'audit-api': ['audit-db-connection'],
};

const expectedOutputs = [
  'gatewayUrl', 'resourceGroupName', 'subscriptionId', 'patientApiAppName', 'patientApiAppId', 'auditApiAppName',
  'auditApiAppId', 'keyVaultName', 'keyVaultUri', 'patientsCosmosAccountName', 'auditCosmosAccountName',
  'patientApiIdentityId', 'patientApiIdentityPrincipalId', 'auditApiIdentityId', 'auditApiIdentityPrincipalId', 'apimPrincipalId', 'apimServiceName', 'apimServiceId', 'apimNamedValueId', 'probeSubscriptionId',
  'patientApiPackageUrl', 'auditApiPackageUrl',
];

const apps = ['patient-api', 'audit-api'] as const;
type App = (typeof apps)[number];

/** docs/design.md §5: each app's data in its own Cosmos DB account; the database and the only app that may reach it. */
const dataOwners: Record<string, App> = { patients: 'patient-api', audit: 'audit-api' };

// ---- navigating the model -------------------------------------------------------------------------------------

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

function ofType(model: StackModel, type: string): ModelResource[] {
  return model.resources.filter((resource) => resource.type === `azure-native:${type}`);
}

function named(model: StackModel, type: string, logicalName: string): ModelResource | undefined {
  return ofType(model, type).find((resource) => resource.name === logicalName);
}

function subnet(model: StackModel, subnetName: string): ModelResource | undefined {
  return ofType(model, 'network:Subnet').find((resource) => resource.properties.subnetName === subnetName);
}

function site(model: StackModel, app: App): ModelResource | undefined {
  return named(model, 'web:WebApp', `${app}-site`);
}

/** The Cosmos DB account a database is declared in. */
function accountHolding(model: StackModel, database: string): ModelResource | undefined {
  const declared = ofType(model, 'cosmosdb:MongoDBResourceMongoDBDatabase').find((entry) => entry.properties.databaseName === database);
  return ofType(model, 'cosmosdb:DatabaseAccount').find((account) => account.properties.accountName === declared?.properties.accountName);
}

function settings(resource: ModelResource | undefined): Map<string, string> {
  return new Map(list(at(resource?.properties, 'siteConfig.appSettings')).map((entry) => [String(entry.name), String(entry.value)]));
}

function apimService(model: StackModel): ModelResource | undefined {
  return named(model, 'apimanagement:ApiManagementService', 'apim-service');
}

/** The system-assigned principal ARM returned for a site or API Management, if it has one. */
function systemPrincipal(resource: ModelResource | undefined): string | undefined {
  const id = at(resource?.assigned, 'identity.principalId');
  return typeof id === 'string' ? id : undefined;
}

/** Resource ids of the user-assigned identities attached (a list on sites, a map keyed by id on API Management). */
function attachedIdentityIds(resource: ModelResource | undefined): string[] {
  const attached = at(resource?.properties, 'identity.userAssignedIdentities');
  if (Array.isArray(attached)) return attached.map(String);
  return typeof attached === 'object' && attached !== null ? Object.keys(attached) : [];
}

function userAssignedIdentity(model: StackModel, match: (identity: ModelResource) => boolean): ModelResource | undefined {
  return ofType(model, 'managedidentity:UserAssignedIdentity').find(match);
}

/** Every principal a site or API Management can act as: its system identity and its user-assigned ones. */
function principalsOf(model: StackModel, resource: ModelResource | undefined): string[] {
  const attached = attachedIdentityIds(resource).map((id) => at(userAssignedIdentity(model, (identity) => identity.id === id)?.assigned, 'principalId'));
  return [systemPrincipal(resource), ...attached].filter((principal): principal is string => typeof principal === 'string');
}

function identities(model: StackModel): Map<string, string> {
  const owners = new Map<string, string>();
  for (const principal of principalsOf(model, apimService(model))) owners.set(principal, 'apim');
  for (const app of apps) {
    for (const principal of principalsOf(model, site(model, app))) owners.set(principal, app);
  }
  return owners;
}

/** The secret a Key Vault reference or a named value's identifier points at. */
function referencedSecret(model: StackModel, uri: string): ModelResource | undefined {
  const name = /\/secrets\/([a-z0-9-]+)/.exec(uri)?.[1];
  return ofType(model, 'keyvault:Secret').find((secret) => secret.properties.secretName === name);
}

interface KeyVaultReader {
  what: string;
  /** The resource whose creation (a site's start, a named value's first fetch) reads the secrets. */
  resource: ModelResource;
  principal: string | undefined;
  secrets: ModelResource[];
}

/** Who reads Key Vault, with which principal: each site (its Key Vault references) and each Key Vault-backed named value. */
function keyVaultReaders(model: StackModel): KeyVaultReader[] {
  const sites = apps.flatMap((app) => {
    const resource = site(model, app);
    if (!resource) return [];
    const referenceIdentity = resource.properties.keyVaultReferenceIdentity;
    const principal =
      typeof referenceIdentity === 'string' && referenceIdentity !== 'SystemAssigned'
        ? at(userAssignedIdentity(model, (identity) => identity.id === referenceIdentity)?.assigned, 'principalId')
        : systemPrincipal(resource);
    const references = [...settings(resource).values()].filter((value) => value.startsWith('@Microsoft.KeyVault('));
    const secrets = references.map((reference) => referencedSecret(model, reference)).filter((secret): secret is ModelResource => secret !== undefined);
    return [{ what: app, resource, principal: typeof principal === 'string' ? principal : undefined, secrets }];
  });
  const namedValues = ofType(model, 'apimanagement:NamedValue')
    .filter((namedValue) => at(namedValue.properties, 'keyVault') !== undefined)
    .map((namedValue) => {
      const clientId = at(namedValue.properties, 'keyVault.identityClientId');
      const principal =
        typeof clientId === 'string' ? at(userAssignedIdentity(model, (identity) => identity.assigned.clientId === clientId)?.assigned, 'principalId') : systemPrincipal(apimService(model));
      const secret = referencedSecret(model, text(at(namedValue.properties, 'keyVault.secretIdentifier')));
      return { what: `named value ${String(namedValue.properties.namedValueId)}`, resource: namedValue, principal: typeof principal === 'string' ? principal : undefined, secrets: secret ? [secret] : [] };
    });
  return [...sites, ...namedValues];
}

function roleGuid(assignment: ModelResource): string {
  return String(assignment.properties.roleDefinitionId).split('/').pop() ?? '';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined';
}

function missing(what: string): string[] {
  return [`${what} is not declared`];
}

function sameSet(actual: string[], expected: string[]): boolean {
  return actual.length === expected.length && [...actual].sort().join('|') === [...expected].sort().join('|');
}

function eachApp(model: StackModel, test: (resource: ModelResource, app: App) => string[]): string[] {
  return apps.flatMap((app) => {
    const resource = site(model, app);
    return resource ? test(resource, app) : missing(`function app ${app}`);
  });
}

const keyVaultReference = /^@Microsoft\.KeyVault\(SecretUri=https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/[a-z0-9-]+\/\)$/;
const versionlessSecretIdentifier = /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/patient-api-host-key\/?$/;

/** The subnets of API Management's gateway: `apim` in the first region, `apim-<region>` in another. */
function gatewaySubnets(model: StackModel): ModelResource[] {
  return ofType(model, 'network:Subnet').filter((entry) => /^apim(-[a-z0-9]+)?$/.test(String(entry.properties.subnetName)));
}

function onlyCaller(model: StackModel, app: App, callerSubnet: string): string[] {
  const resource = site(model, app);
  const callers = callerSubnet === 'apim' ? gatewaySubnets(model) : [subnet(model, callerSubnet)].filter((entry): entry is ModelResource => entry !== undefined);
  if (!resource || callers.length === 0) return missing(`${app} or subnet ${callerSubnet}`);
  const rules = list(at(resource.properties, 'siteConfig.ipSecurityRestrictions'));
  const allows = rules.filter((rule) => text(rule.action ?? 'Allow') === 'Allow');
  const violations: string[] = [];
  if (!sameSet(allows.map((rule) => text(rule.vnetSubnetResourceId)), callers.map((caller) => caller.id))) {
    violations.push(`${app} must allow exactly the ${callerSubnet} subnet(s), allows ${JSON.stringify(allows)}`);
  }
  for (const rule of allows) {
    if (rule.ipAddress !== undefined || (rule.tag !== undefined && rule.tag !== 'Default')) {
      violations.push(`${app} allows an address or service tag: ${JSON.stringify(rule)}`);
    }
  }
  if (at(resource.properties, 'siteConfig.ipSecurityRestrictionsDefaultAction') !== 'Deny') {
    violations.push(`${app} does not deny by default`);
  }
  return violations;
}

/** The private endpoints connected to a service. */
function endpointsOf(model: StackModel, service: ModelResource): ModelResource[] {
  return ofType(model, 'network:PrivateEndpoint').filter((endpoint) =>
    list(endpoint.properties.privateLinkServiceConnections).some((connection) => connection.privateLinkServiceId === service.id),
  );
}

/** The NSG of the subnet a resource sits in (`subnet.id` of a private endpoint). */
function nsgOfSubnet(model: StackModel, subnetId: unknown): ModelResource | undefined {
  const holder = ofType(model, 'network:Subnet').find((entry) => entry.id === subnetId);
  const nsgId = at(holder?.properties, 'networkSecurityGroup.id');
  return ofType(model, 'network:NetworkSecurityGroup').find((nsg) => nsg.id === nsgId);
}

/**
 * The apps and gateway whose subnets the endpoint subnet's NSG lets reach a service's private
 * endpoints (by the endpoints' application security groups); `*` when anything in the VNet may.
 */
function admittedCallers(model: StackModel, service: ModelResource): string[] {
  const admitted = new Set<string>();
  for (const endpoint of endpointsOf(model, service)) {
    const nsg = nsgOfSubnet(model, at(endpoint.properties, 'subnet.id'));
    const groups = list(endpoint.properties.applicationSecurityGroups).map((group) => group.id);
    if (!nsg || at(model.resources.find((entry) => entry.id === at(endpoint.properties, 'subnet.id'))?.properties, 'privateEndpointNetworkPolicies') !== 'Enabled') {
      admitted.add('*');
      continue;
    }
    const inbound = list(nsg.properties.securityRules).filter((rule) => rule.direction === 'Inbound').sort((a, b) => Number(a.priority) - Number(b.priority));
    const denyAll = inbound.find((rule) => rule.access === 'Deny' && ['VirtualNetwork', '*'].includes(String(rule.sourceAddressPrefix)) && (rule.destinationAddressPrefix === '*' || rule.destinationAddressPrefix === 'VirtualNetwork'));
    if (!denyAll) admitted.add('*');
    for (const rule of inbound.filter((entry) => entry.access === 'Allow' && Number(entry.priority) < Number(denyAll?.priority ?? Infinity))) {
      const toEndpoint = list(rule.destinationApplicationSecurityGroups).some((group) => groups.includes(group.id)) || rule.destinationAddressPrefix === '*' || rule.destinationAddressPrefix === 'VirtualNetwork';
      if (!toEndpoint) continue;
      const sources = [rule.sourceAddressPrefix, ...list(rule.sourceAddressPrefixes)].filter((source) => source !== undefined).map(String);
      for (const source of sources) {
        const caller = ofType(model, 'network:Subnet').find((entry) => entry.properties.addressPrefix === source);
        admitted.add(caller ? String(caller.properties.subnetName) : source === '*' || source === 'VirtualNetwork' ? '*' : source);
      }
    }
  }
  return [...admitted];
}

/**
 * What makes the VNet reach a service through one of its private endpoints: the endpoint, its DNS
 * zone group, the zones the group names and their links to the VNet; undefined while a zone is unlinked.
 */
function privateLinkChain(model: StackModel, endpoint: ModelResource): ModelResource[] | undefined {
  const group = ofType(model, 'network:PrivateDnsZoneGroup').find((entry) => entry.properties.privateEndpointName === endpoint.properties.privateEndpointName);
  const zoneIds = list(group?.properties.privateDnsZoneConfigs).map((config) => config.privateDnsZoneId);
  const zones = ofType(model, 'privatedns:PrivateZone').filter((zone) => zoneIds.includes(zone.id));
  const vnet = ofType(model, 'network:VirtualNetwork')[0];
  const links = zones.map((zone) =>
    ofType(model, 'privatedns:VirtualNetworkLink').find((link) => link.properties.privateZoneName === zone.properties.privateZoneName && at(link.properties, 'virtualNetwork.id') === vnet?.id),
  );
  if (!group || zones.length === 0 || links.some((link) => link === undefined)) return undefined;
  return [endpoint, group, ...zones, ...(links as ModelResource[])];
}

/** A service has a private endpoint, its names resolve to it in the VNet, and only `callers` may reach it. */
function privatePath(model: StackModel, service: ModelResource, callers: string[]): string[] {
  const endpoints = endpointsOf(model, service);
  if (endpoints.length === 0) return [`${service.name} has no private endpoint`];
  const violations: string[] = [];
  for (const endpoint of endpoints) {
    if (!privateLinkChain(model, endpoint)) violations.push(`${endpoint.name} has no private DNS zone linked to the VNet, so the VNet does not resolve ${service.name} to it`);
  }
  const admitted = admittedCallers(model, service);
  if (!sameSet(admitted, callers)) violations.push(`${service.name}'s private endpoint admits ${JSON.stringify(admitted.sort())}, expected ${JSON.stringify(callers)}`);
  return violations;
}

// ---- the checks --------------------------------------------------------------------------------

const designInvariants: Invariant[] = [
  {
    id: 'apim-subnet-nsg',
    name: 'the APIM subnet NSG admits clients on 443, APIM management on 3443 and the load balancer on 6390',
    check: (model) => {
      const apimSubnet = subnet(model, 'apim');
      const nsgId = at(apimSubnet?.properties, 'networkSecurityGroup.id');
      const nsg = ofType(model, 'network:NetworkSecurityGroup').find((resource) => resource.id === nsgId);
      if (!nsg) return missing('an NSG on the APIM subnet');
      const rules = list(nsg.properties.securityRules);
      const admits = (source: string, port: string) =>
        rules.some(
          (rule) =>
            rule.direction === 'Inbound' && rule.access === 'Allow' && rule.sourceAddressPrefix === source &&
            (rule.destinationPortRange === port || list(rule.destinationPortRanges).map(String).includes(port)),
        );
      const required: Array<[string, string]> = [['Internet', '443'], ['ApiManagement', '3443'], ['AzureLoadBalancer', '6390']];
      return required.filter(([source, port]) => !admits(source, port)).map(([source, port]) => `no inbound rule ${source} → ${port}`);
    },
  },
  {
    id: 'apim-subnet-service-endpoints',
    name: "the APIM subnet has the Microsoft.Web service endpoint, by which the Patient API's access restrictions admit it",
    check: (model) => {
      const apimSubnet = subnet(model, 'apim');
      if (!apimSubnet) return missing('the APIM subnet');
      const endpoints = list(apimSubnet.properties.serviceEndpoints).map((entry) => String(entry.service));
      return ['Microsoft.Web'].filter((service) => !endpoints.includes(service)).map((service) => `APIM subnet lacks ${service}`);
    },
  },
  {
    id: 'app-integration-subnets',
    name: 'each app has its own integration subnet, delegated to Microsoft.Web/serverFarms with the Web and Storage endpoints (its callers and its storage firewall admit it by them)',
    check: (model) => {
      return apps.flatMap((app) => {
        const integration = subnet(model, app);
        if (!integration) return missing(`the ${app} subnet`);
        const violations: string[] = [];
        const delegations = list(integration.properties.delegations).map((entry) => entry.serviceName);
        if (!sameSet(delegations.map(String), ['Microsoft.Web/serverFarms'])) violations.push(`${app} subnet delegations ${JSON.stringify(delegations)}`);
        const endpoints = list(integration.properties.serviceEndpoints).map((entry) => String(entry.service));
        for (const service of ['Microsoft.Web', 'Microsoft.Storage']) {
          if (!endpoints.includes(service)) violations.push(`${app} subnet lacks ${service}`);
        }
        if (site(model, app)?.properties.virtualNetworkSubnetId !== integration.id) violations.push(`${app} is not integrated in its own subnet`);
        return violations;
      });
    },
  },
  {
    id: 'subnets-not-inline',
    name: 'subnets are separate resources, never inline on the VNet',
    notLive: 'how the program declares subnets: ARM answers a VNet with its subnets inline however they were declared',
    check: (model) => {
      const vnets = ofType(model, 'network:VirtualNetwork');
      if (vnets.length === 0) return missing('the VNet');
      return vnets.filter((vnet) => list(vnet.properties.subnets).length > 0).map((vnet) => `${vnet.name} declares subnets inline`);
    },
  },
  {
    id: 'patient-api-admits-apim-only',
    name: "the Patient API admits only API Management's subnets",
    check: (model) => onlyCaller(model, 'patient-api', 'apim'),
  },
  {
    id: 'audit-api-admits-patient-api-only',
    name: "the Audit API admits only the Patient API's integration subnet",
    check: (model) => onlyCaller(model, 'audit-api', 'patient-api'),
  },
  {
    id: 'scm-sites-deny',
    name: 'the SCM sites deny by default with their own (empty) rules',
    check: (model) =>
      eachApp(model, (resource, app) => {
        const violations: string[] = [];
        if (at(resource.properties, 'siteConfig.scmIpSecurityRestrictionsDefaultAction') !== 'Deny') violations.push(`${app} SCM does not deny by default`);
        if (at(resource.properties, 'siteConfig.scmIpSecurityRestrictionsUseMain') !== false) violations.push(`${app} SCM must not reuse the main rules`);
        const allows = list(at(resource.properties, 'siteConfig.scmIpSecurityRestrictions')).filter((rule) => text(rule.action ?? 'Allow') === 'Allow');
        if (allows.length > 0) violations.push(`${app} SCM allows ${JSON.stringify(allows)}`);
        return violations;
      }),
  },
  {
    id: 'apps-https-only',
    name: 'both apps are HTTPS only',
    check: (model) => eachApp(model, (resource, app) => (resource.properties.httpsOnly === true ? [] : [`${app} accepts plain HTTP`])),
  },
  {
    id: 'apps-tls-1-2',
    name: 'both apps require TLS 1.2 or later, on the site and on SCM',
    check: (model) =>
      eachApp(model, (resource, app) =>
        ['siteConfig.minTlsVersion', 'siteConfig.scmMinTlsVersion']
          .filter((key) => !['1.2', '1.3'].includes(String(at(resource.properties, key))))
          .map((key) => `${app} ${key} is ${String(at(resource.properties, key))}`),
      ),
  },
  {
    id: 'no-ftp-no-basic-auth',
    name: 'FTP(S) is disabled and basic-auth publishing is off',
    check: (model) =>
      eachApp(model, (resource, app) => {
        const violations: string[] = [];
        if (at(resource.properties, 'siteConfig.ftpsState') !== 'Disabled') violations.push(`${app} FTPS is ${String(at(resource.properties, 'siteConfig.ftpsState'))}`);
        for (const type of ['web:WebAppFtpAllowed', 'web:WebAppScmAllowed']) {
          const policy = ofType(model, type).find((entry) => entry.properties.name === resource.properties.name);
          if (!policy || policy.properties.allow !== false) violations.push(`${app} ${type} does not forbid basic auth`);
        }
        return violations;
      }),
  },
  {
    id: 'apps-node-22-functions-v4',
    name: 'both apps run Node 22 on Functions v4',
    check: (model) =>
      eachApp(model, (resource, app) => {
        const values = settings(resource);
        const violations: string[] = [];
        if (at(resource.properties, 'siteConfig.linuxFxVersion') !== 'Node|22') violations.push(`${app} linuxFxVersion is ${String(at(resource.properties, 'siteConfig.linuxFxVersion'))}`);
        if (values.get('FUNCTIONS_EXTENSION_VERSION') !== '~4') violations.push(`${app} is not on Functions v4`);
        if (values.get('FUNCTIONS_WORKER_RUNTIME') !== 'node') violations.push(`${app} worker runtime is not node`);
        if (resource.properties.kind !== 'functionapp,linux') violations.push(`${app} is not a Linux function app`);
        return violations;
      }),
  },
  {
    id: 'apps-route-all-through-vnet',
    name: 'both apps route all outbound traffic through the VNet',
    check: (model) =>
      eachApp(model, (resource, app) => {
        const violations: string[] = [];
        if (typeof resource.properties.virtualNetworkSubnetId !== 'string') violations.push(`${app} has no VNet integration`);
        if (at(resource.properties, 'siteConfig.vnetRouteAllEnabled') !== true) violations.push(`${app} does not route all traffic through the VNet`);
        return violations;
      }),
  },
  {
    id: 'apps-own-ep1-plans',
    name: 'each app runs on its own Elastic Premium EP1 Linux plan',
    check: (model) => {
      const plans = ofType(model, 'web:AppServicePlan');
      const used = new Set<string>();
      return eachApp(model, (resource, app) => {
        const plan = plans.find((entry) => entry.id === resource.properties.serverFarmId);
        if (!plan) return [`${app} has no plan`];
        const violations: string[] = [];
        if (used.has(plan.id)) violations.push(`${app} shares a plan`);
        used.add(plan.id);
        if (at(plan.properties, 'sku.name') !== 'EP1' || at(plan.properties, 'sku.tier') !== 'ElasticPremium') violations.push(`${app} plan is ${JSON.stringify(plan.properties.sku)}`);
        if (plan.properties.reserved !== true) violations.push(`${app} plan is not Linux`);
        return violations;
      });
    },
  },
  {
    id: 'identities-per-app',
    name: 'each app has a user-assigned identity of its own and no system identity; API Management reads the vault with its system-assigned identity',
    check: (model) => {
      const seen = new Map<string, string>();
      const violations = eachApp(model, (resource, app) => {
        const found: string[] = [];
        if (at(resource.properties, 'identity.type') !== 'UserAssigned') found.push(`${app} identity type is ${text(at(resource.properties, 'identity.type'))}`);
        const attached = attachedIdentityIds(resource);
        if (attached.length !== 1 || !userAssignedIdentity(model, (identity) => identity.id === attached[0])) found.push(`${app} has identities ${JSON.stringify(attached)}`);
        for (const id of attached) {
          if (seen.has(id)) found.push(`${app} shares its identity with ${seen.get(id)}`);
          seen.set(id, app);
        }
        return found;
      });
      const apim = apimService(model);
      if (!text(at(apim?.properties, 'identity.type')).includes('SystemAssigned')) violations.push('API Management has no system identity');
      for (const id of attachedIdentityIds(apim)) if (seen.has(id)) violations.push(`API Management shares the identity of ${seen.get(id)}`);
      // A vault behind its firewall admits API Management's system-assigned identity only.
      for (const namedValue of ofType(model, 'apimanagement:NamedValue')) {
        if (at(namedValue.properties, 'keyVault.identityClientId') !== undefined) violations.push(`named value ${String(namedValue.properties.namedValueId)} reads the firewalled vault with a user-assigned identity`);
      }
      return violations;
    },
  },
  {
    id: 'app-identity-granted-before-site',
    name: 'each app reads its Key Vault references, its package and its host storage with that identity, granted its storage roles before the site exists',
    notLive: 'creation order, which Azure does not record',
    check: (model) => {
      return eachApp(model, (resource, app) => {
        const identity = userAssignedIdentity(model, (entry) => entry.id === attachedIdentityIds(resource)[0]);
        if (!identity) return [`${app} has no user-assigned identity`];
        const values = settings(resource);
        const violations: string[] = [];
        if (resource.properties.keyVaultReferenceIdentity !== identity.id) violations.push(`${app} resolves Key Vault references as ${text(resource.properties.keyVaultReferenceIdentity)}`);
        if (values.get('WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID') !== identity.id) violations.push(`${app} fetches its package as ${text(values.get('WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID'))}`);
        if (values.get('AzureWebJobsStorage__credential') !== 'managedidentity') violations.push(`${app} host storage credential is ${text(values.get('AzureWebJobsStorage__credential'))}`);
        if (values.get('AzureWebJobsStorage__clientId') !== identity.assigned.clientId) violations.push(`${app} host storage client id is ${text(values.get('AzureWebJobsStorage__clientId'))}`);
        const account = named(model, 'storage:StorageAccount', `${app}-storage`);
        const owner = ofType(model, 'authorization:RoleAssignment').find(
          (assignment) => assignment.properties.principalId === identity.assigned.principalId && assignment.properties.scope === account?.id && roleGuid(assignment) === roles.blobDataOwner,
        );
        if (!owner) violations.push(`${app}'s identity is not Storage Blob Data Owner on its storage account`);
        else if (!createdBefore(owner, resource)) violations.push(`${app} can start before its identity may read its package and host storage`);
        return violations;
      });
    },
  },
  {
    id: 'role-assignments-service-principal',
    name: 'every role assignment to a managed identity says ServicePrincipal, so ARM does not look up an identity Entra ID has not replicated yet',
    check: (model) => {
      const owners = identities(model);
      const assignments = ofType(model, 'authorization:RoleAssignment').filter((assignment) => owners.has(String(assignment.properties.principalId)));
      if (assignments.length === 0) return missing('role assignments to the managed identities');
      return assignments.filter((assignment) => assignment.properties.principalType !== 'ServicePrincipal').map((assignment) => `${assignment.name} has principal type ${text(assignment.properties.principalType)}`);
    },
  },
  {
    id: 'secret-readers-granted-before-reading',
    name: 'every identity a site or API Management reads Key Vault with is granted each secret it reads before the resource that reads with it',
    notLive: 'creation order, which Azure does not record',
    check: (model) => {
      const grants = ofType(model, 'authorization:RoleAssignment').filter((assignment) => roleGuid(assignment) === roles.secretsUser);
      return keyVaultReaders(model).flatMap(({ what, resource, principal, secrets }) => {
        if (!principal) return [`${what} reads Key Vault with no identity`];
        if (secrets.length === 0) return [`${what} reads no declared secret`];
        return secrets.flatMap((secret) => {
          const name = String(secret.properties.secretName);
          const grant = grants.find((assignment) => assignment.properties.principalId === principal && assignment.properties.scope === secret.id);
          if (!grant) return [`${what} reads ${name} with an identity that holds no Key Vault Secrets User on it`];
          return createdBefore(grant, resource) ? [] : [`${what} can read ${name} before its identity is granted it`];
        });
      });
    },
  },
  {
    // Public access is off: until the endpoint exists and the VNet resolves the service's name to it, a reader reaches nothing.
    id: 'private-links-before-readers',
    name: 'each site and the Key Vault-backed named value are created after the private endpoint, DNS zone group, private DNS zone and VNet link of the vault and of the Cosmos DB account they read',
    notLive: 'creation order, which Azure does not record',
    check: (model) => {
      const vault = ofType(model, 'keyvault:Vault')[0];
      if (!vault) return missing('the vault');
      const reads = keyVaultReaders(model).map(({ what, resource }) => ({ what, resource, service: vault }));
      for (const [database, app] of Object.entries(dataOwners)) {
        const account = accountHolding(model, database);
        const resource = site(model, app);
        if (!account || !resource) return missing(`${app} or the Cosmos DB account of database ${database}`);
        reads.push({ what: app, resource, service: account });
      }
      return reads.flatMap(({ what, resource, service }) => {
        const chains = endpointsOf(model, service).map((endpoint) => privateLinkChain(model, endpoint)).filter((chain): chain is ModelResource[] => chain !== undefined);
        if (chains.length === 0) return [`${what} reads ${service.name}, which no private endpoint resolved in the VNet serves`];
        if (chains.some((chain) => chain.every((part) => createdBefore(part, resource)))) return [];
        const late = chains[0].filter((part) => !createdBefore(part, resource)).map((part) => part.name);
        return [`${what} can start before ${service.name}'s private path exists (${late.join(', ')})`];
      });
    },
  },
  {
    id: 'storage-by-identity',
    name: 'host storage and the package are reached with the app identity, never a key or SAS',
    check: (model) => {
      return eachApp(model, (resource, app) => {
        const values = settings(resource);
        const violations: string[] = [];
        const account = named(model, 'storage:StorageAccount', `${app}-storage`);
        if (!account) return missing(`${app} storage`);
        if (values.get('AzureWebJobsStorage__accountName') !== account.properties.accountName) violations.push(`${app} does not use identity-based AzureWebJobsStorage`);
        for (const forbidden of ['AzureWebJobsStorage', 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING']) {
          if (values.has(forbidden)) violations.push(`${app} sets ${forbidden}`);
        }
        const packageUrl = values.get('WEBSITE_RUN_FROM_PACKAGE') ?? '';
        if (!packageUrl.startsWith(`https://${String(account.properties.accountName)}.blob.core.windows.net/`) || packageUrl.includes('?')) {
          violations.push(`${app} package URL is ${packageUrl}`);
        }
        const principals = principalsOf(model, resource);
        const owner = ofType(model, 'authorization:RoleAssignment').some(
          (assignment) => principals.includes(String(assignment.properties.principalId)) && assignment.properties.scope === account.id && roleGuid(assignment) === roles.blobDataOwner,
        );
        if (!owner) violations.push(`${app} identity is not Storage Blob Data Owner on its storage account`);
        return violations;
      });
    },
  },
  {
    id: 'key-vault-references-versionless',
    name: 'Key Vault references in app settings are versionless with a trailing slash',
    check: (model) => {
      const expected: Record<App, string[]> = {
        'patient-api': ['AUDIT_API_KEY', 'PATIENTS_DB_CONNECTION'],
        'audit-api': ['AUDIT_DB_CONNECTION'],
      };
      return eachApp(model, (resource, app) => {
        const values = settings(resource);
        const violations: string[] = [];
        for (const [key, value] of values) {
          if (value.includes('@Microsoft.KeyVault') && !keyVaultReference.test(value)) violations.push(`${app} ${key} = ${value}`);
        }
        for (const key of expected[app]) {
          if (!keyVaultReference.test(values.get(key) ?? '')) violations.push(`${app} ${key} is not a Key Vault reference`);
        }
        return violations;
      });
    },
  },
  {
    id: 'app-settings-on-site-only',
    name: 'app settings are declared only on the site (no separate settings resource to fight it)',
    notLive: 'how the program declares settings: ARM has no separate settings resource to find',
    check: (model) =>
      model.resources
        .filter((resource) => /^azure-native:web:WebAppApplicationSettings/.test(resource.type))
        .map((resource) => `${resource.name} declares app settings outside the site`),
  },
  {
    id: 'no-secret-in-app-settings',
    name: 'no app setting holds a secret in plain text',
    check: (model) => {
      return eachApp(model, (resource, app) =>
        [...settings(resource)]
          .filter(([, value]) => model.secretValues.some((secret) => value.includes(secret)))
          .map(([key]) => `${app} ${key} holds a secret value`),
      );
    },
  },
  {
    id: 'storage-locked-down',
    name: 'storage accounts refuse anonymous blobs, plain HTTP and TLS below 1.2',
    check: (model) => {
      const accounts = ofType(model, 'storage:StorageAccount');
      if (accounts.length === 0) return missing('storage accounts');
      const violations: string[] = [];
      for (const account of accounts) {
        if (account.properties.allowBlobPublicAccess !== false) violations.push(`${account.name} allows public blobs`);
        if (account.properties.enableHttpsTrafficOnly !== true) violations.push(`${account.name} accepts HTTP`);
        if (account.properties.minimumTlsVersion !== 'TLS1_2') violations.push(`${account.name} TLS ${String(account.properties.minimumTlsVersion)}`);
      }
      for (const container of ofType(model, 'storage:BlobContainer')) {
        if ((container.properties.publicAccess ?? 'None') !== 'None') violations.push(`${container.name} is public`);
      }
      return violations;
    },
  },
  {
    id: 'vault-rbac-purge-protection',
    name: 'the vault uses RBAC authorization, soft delete and purge protection',
    check: (model) => {
      const vaults = ofType(model, 'keyvault:Vault');
      if (vaults.length !== 1) return [`expected one vault, found ${vaults.length}`];
      const properties = vaults[0].properties.properties;
      const violations: string[] = [];
      if (at(properties, 'enableRbacAuthorization') !== true) violations.push('RBAC authorization is off');
      if (at(properties, 'enableSoftDelete') === false) violations.push('soft delete is off');
      if (at(properties, 'enablePurgeProtection') !== true) violations.push('purge protection is off');
      if (list(at(properties, 'accessPolicies')).length > 0) violations.push('the vault carries access policies');
      return violations;
    },
  },
  {
    id: 'vault-firewall',
    name: 'the vault is reached through its private endpoint: its firewall denies by default, admits no subnet, no Azure service and no address but the operator ranges, and its public endpoint is off without them',
    check: (model) => {
      const vault = ofType(model, 'keyvault:Vault')[0];
      if (!vault) return missing('the vault');
      const acls = at(vault.properties, 'properties.networkAcls');
      const violations: string[] = [];
      if (at(acls, 'defaultAction') !== 'Deny') violations.push('the vault firewall does not deny by default');
      if (at(acls, 'bypass') !== 'None') violations.push(`the vault lets ${text(at(acls, 'bypass'))} bypass its firewall`);
      const subnets = list(at(acls, 'virtualNetworkRules'));
      if (subnets.length > 0) violations.push(`the vault admits subnets ${JSON.stringify(subnets)} on its public endpoint`);
      const ranges = list(at(acls, 'ipRules')).map((rule) => String(rule.value));
      for (const range of ranges) {
        if (/\/0$/.test(range) || range === '0.0.0.0') violations.push(`the vault admits ${range}`);
      }
      const publicAccess = at(vault.properties, 'properties.publicNetworkAccess');
      if (ranges.length === 0 && publicAccess !== 'Disabled') violations.push(`the public endpoint is ${text(publicAccess)} with no operator range to serve`);
      violations.push(...privatePath(model, vault, ['apim', 'patient-api', 'audit-api']));
      return violations;
    },
  },
  {
    id: 'secret-readers-exact',
    name: 'each identity has Key Vault Secrets User on exactly its secrets (docs/design.md §7)',
    check: (model) => {
      const owners = identities(model);
      const secretsById = new Map(ofType(model, 'keyvault:Secret').map((secret) => [secret.id, String(secret.properties.secretName)]));
      const actual: Record<string, string[]> = { apim: [], 'patient-api': [], 'audit-api': [] };
      const violations: string[] = [];
      for (const assignment of ofType(model, 'authorization:RoleAssignment').filter((entry) => roleGuid(entry) === roles.secretsUser)) {
        const owner = owners.get(String(assignment.properties.principalId));
        const secret = secretsById.get(String(assignment.properties.scope));
        if (!owner) violations.push(`Secrets User for unexpected principal ${String(assignment.properties.principalId)}`);
        else if (!secret) violations.push(`${owner} has Secrets User on ${String(assignment.properties.scope)}, which is not one secret`);
        else actual[owner].push(secret);
      }
      for (const [owner, secrets] of Object.entries(expectedReaders)) {
        if (!sameSet(actual[owner] ?? [], secrets)) violations.push(`${owner} reads ${JSON.stringify(actual[owner])}, expected ${JSON.stringify(secrets)}`);
      }
      return violations;
    },
  },
  {
    id: 'no-broad-roles',
    name: 'no app or gateway identity holds a role on the vault, the resource group or the subscription: only secret reads, its own storage and telemetry ingestion',
    check: (model) => {
      const owners = identities(model);
      const violations: string[] = [];
      for (const assignment of ofType(model, 'authorization:RoleAssignment')) {
        const owner = owners.get(String(assignment.properties.principalId));
        if (!owner) continue;
        const scope = String(assignment.properties.scope);
        const guid = roleGuid(assignment);
        const onSecret = /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+\/secrets\/[^/]+$/.test(scope) && guid === roles.secretsUser;
        const ownStorage =
          scope === named(model, 'storage:StorageAccount', `${owner}-storage`)?.id &&
          [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor].includes(guid);
        const telemetry = scope === named(model, 'applicationinsights:Component', 'monitoring-appinsights')?.id && guid === roles.metricsPublisher;
        if (!onSecret && !ownStorage && !telemetry) violations.push(`${owner} holds role ${guid} on ${scope}`);
      }
      return violations;
    },
  },
  {
    id: 'no-vault-wide-roles',
    name: 'nobody holds a role on the vault itself, and the deployer holds no Key Vault data role: only the readers of docs/design.md §7, each on one secret',
    check: (model) => {
      const vault = ofType(model, 'keyvault:Vault')[0];
      if (!vault) return missing('the vault');
      const owners = identities(model);
      const violations: string[] = [];
      for (const assignment of ofType(model, 'authorization:RoleAssignment')) {
        const scope = String(assignment.properties.scope);
        const principal = String(assignment.properties.principalId);
        if (principal === model.deployerObjectId) violations.push(`the deploying principal holds role ${roleGuid(assignment)} on ${scope}`);
        if (scope === vault.id) violations.push(`${principal} holds role ${roleGuid(assignment)} on the whole vault`);
        else if (scope.startsWith(`${vault.id}/`)) {
          if (roleGuid(assignment) !== roles.secretsUser) violations.push(`${principal} holds role ${roleGuid(assignment)} on ${scope}`);
          if (!owners.has(principal)) violations.push(`${principal} is not a reader of docs/design.md §7 but holds a role on ${scope}`);
        }
      }
      return violations;
    },
  },
  {
    id: 'vault-secrets',
    name: 'the vault holds the five secrets of docs/interfaces.md',
    check: (model) => {
      const names = ofType(model, 'keyvault:Secret').map((secret) => String(secret.properties.secretName));
      return sameSet(names, ['patient-api-host-key', 'audit-api-host-key', 'patients-db-connection', 'audit-db-connection', 'search-hash-key'])
        ? []
        : [`the vault holds ${JSON.stringify(names)}`];
    },
  },
  {
    id: 'vault-values-secret',
    name: 'every value sent to the vault is a Pulumi secret',
    programOnly: 'CrossGuard hands a stack policy every secret unwrapped, with no mark of which values were secrets',
    check: (model) =>
      ofType(model, 'keyvault:Secret')
        .filter((secret) => !(secret.secretPaths ?? []).some((path) => path === 'properties' || path === 'properties.value'))
        .map((secret) => `${String(secret.properties.secretName)} value is not a Pulumi secret`),
  },
  {
    id: 'host-key-secrets-written-once',
    name: 'rotated host keys are written once: Pulumi ignores every later change to their value and tags',
    notLive: "Pulumi's ignoreChanges, which Azure does not hold",
    check: (model) => {
      return ['patient-api-host-key', 'audit-api-host-key'].flatMap((name) => {
        const secret = ofType(model, 'keyvault:Secret').find((entry) => entry.properties.secretName === name);
        if (!secret) return missing(`secret ${name}`);
        const ignored = new Set(secret.ignoreChanges);
        const covered = ['properties', 'tags'].every((key) => ignored.has(key));
        return covered ? [] : [`${name} ignores only ${JSON.stringify(secret.ignoreChanges)}: a later update would overwrite the rotated value`];
      });
    },
  },
  {
    id: 'cosmos-network-per-app',
    name: 'each Cosmos DB account is reachable only through its private endpoint, from the subnet of the app whose data it holds',
    check: (model) => {
      return Object.entries(dataOwners).flatMap(([database, app]) => {
        const account = accountHolding(model, database);
        if (!account) return missing(`the Cosmos DB account of database ${database}`);
        const violations: string[] = [];
        if (account.properties.publicNetworkAccess !== 'Disabled') violations.push(`${account.name} public network access is ${text(account.properties.publicNetworkAccess)}`);
        if (list(account.properties.ipRules).length > 0) violations.push(`${account.name} admits IP ranges ${JSON.stringify(account.properties.ipRules)}`);
        if ((account.properties.networkAclBypass ?? 'None') !== 'None') violations.push(`${account.name} lets Azure services bypass its firewall`);
        violations.push(...privatePath(model, account, [app]));
        return violations;
      });
    },
  },
  {
    id: 'audit-account-separate',
    name: "the audit register has its own Cosmos DB account: no secret the Patient API reads carries its key, and its network rules do not admit the Patient API",
    notLive: "the secrets' values, which verify never reads",
    check: (model) => {
      const audit = accountHolding(model, 'audit');
      const patients = accountHolding(model, 'patients');
      if (!audit || !patients) return missing('the Cosmos DB accounts of the patients and audit databases');
      const violations: string[] = [];
      if (audit.id === patients.id) violations.push('the audit and patients databases share one account, and so one key');
      const auditKey = model.connectionStrings[String(audit.properties.accountName)];
      if (!auditKey) return [...violations, 'the audit account has no connection string'];
      const owners = identities(model);
      const secretsById = new Map(ofType(model, 'keyvault:Secret').map((secret) => [secret.id, secret]));
      for (const grant of ofType(model, 'authorization:RoleAssignment')) {
        if (owners.get(String(grant.properties.principalId)) !== 'patient-api') continue;
        const secret = secretsById.get(String(grant.properties.scope));
        if (secret && text(at(secret.properties, 'properties.value')).includes(auditKey)) {
          violations.push(`the Patient API reads ${String(secret.properties.secretName)}, which carries the audit account's connection string`);
        }
      }
      const stored = ofType(model, 'keyvault:Secret').find((secret) => secret.properties.secretName === 'audit-db-connection');
      if (at(stored?.properties, 'properties.value') !== auditKey) violations.push("audit-db-connection does not hold the audit account's connection string");
      if (admittedCallers(model, audit).includes('patient-api')) violations.push("the audit account's private endpoint admits the Patient API's subnet");
      return violations;
    },
  },
  {
    // The apps' driver (mongodb 7.x) speaks to MongoDB 4.4 and newer only: an older account accepts no connection.
    id: 'cosmos-server-version',
    name: 'each Cosmos DB account is declared at a MongoDB server version the apps\' driver supports (4.4 or newer)',
    check: (model) => {
      const accounts = ofType(model, 'cosmosdb:DatabaseAccount');
      if (accounts.length === 0) return missing('a Cosmos DB account');
      const supported = (version: string) => /^\d+\.\d+$/.test(version) && Number(version) >= 4.4;
      return accounts.filter((account) => !supported(String(at(account.properties, 'apiProperties.serverVersion')))).map((account) => `${account.name} is declared at server version ${String(at(account.properties, 'apiProperties.serverVersion'))}`);
    },
  },
  {
    id: 'cosmos-tls-continuous-backup',
    name: 'Cosmos DB requires TLS 1.2 and keeps continuous backup',
    check: (model) => {
      const accounts = ofType(model, 'cosmosdb:DatabaseAccount');
      if (accounts.length === 0) return missing('a Cosmos DB account');
      return accounts.flatMap((account) => {
        const violations: string[] = [];
        if (account.properties.minimalTlsVersion !== 'Tls12') violations.push(`${account.name} minimal TLS is ${String(account.properties.minimalTlsVersion)}`);
        if (at(account.properties, 'backupPolicy.type') !== 'Continuous') violations.push(`${account.name} backup is not continuous`);
        return violations;
      });
    },
  },
  {
    id: 'collections-as-declared',
    name: 'each collection of contracts/collections.ts has exactly its declared shard key and indexes (unique ones from creation, TTL only on _ts), and only the stack changes them',
    check: (model) => {
      const collections = ofType(model, 'cosmosdb:MongoDBResourceMongoDBCollection');
      const violations: string[] = [];
      const declared = DATABASES.flatMap((database) => database.collections.map((collection) => ({ database: database.name, collection })));
      for (const { database, collection } of declared) {
        const where = `${database}.${collection.name}`;
        const found = collections.find((entry) => entry.properties.databaseName === database && entry.properties.collectionName === collection.name);
        if (!found) {
          violations.push(`${where} is not declared`);
          continue;
        }
        const shardKey = at(found.properties, 'resource.shardKey');
        if (JSON.stringify(shardKey) !== JSON.stringify({ [collection.shardKey]: 'Hash' })) violations.push(`${where} is sharded on ${text(shardKey)}`);
        const indexes = list(at(found.properties, 'resource.indexes')).map((index) => ({
          keys: list(at(index, 'key.keys')).map(String),
          unique: at(index, 'options.unique') === true,
          ttl: at(index, 'options.expireAfterSeconds'),
        }));
        const expected = [{ keys: ['_id'] }, ...collection.indexes].map((index) => ({ keys: [...index.keys], unique: 'unique' in index && index.unique === true, ttl: 'expireAfterSeconds' in index ? index.expireAfterSeconds : undefined }));
        if (!sameSet(indexes.map((index) => JSON.stringify(index)), expected.map((index) => JSON.stringify(index)))) {
          violations.push(`${where} declares indexes ${JSON.stringify(indexes)}, expected ${JSON.stringify(expected)}`);
        }
        // Cosmos DB's own rules, restated: TTL only on _ts; a unique index leads with the shard key; _id is never flagged unique.
        for (const index of indexes) {
          if (index.ttl !== undefined && index.keys.join() !== '_ts') violations.push(`${where} has a TTL on ${index.keys.join()}`);
          if (index.unique && index.keys[0] !== collection.shardKey) violations.push(`${where} has a unique index on ${index.keys.join()} not led by the shard key`);
          if (index.unique && index.keys.join() === '_id') violations.push(`${where} flags the _id index unique`);
        }
        // Unique indexes cannot be added later (continuous backup), and a later update must reach Azure as declared.
        const ignored = found.ignoreChanges.filter((path) => path === 'resource' || path.startsWith('resource.indexes'));
        if (ignored.length > 0) violations.push(`${where} ignores changes to ${JSON.stringify(ignored)}: its indexes would drift from the declaration`);
      }
      const names = new Set(declared.map(({ database, collection }) => `${database}.${collection.name}`));
      for (const collection of collections) {
        const name = `${String(collection.properties.databaseName)}.${String(collection.properties.collectionName)}`;
        if (!names.has(name)) violations.push(`${name} is not in contracts/collections.ts`);
      }
      for (const account of ofType(model, 'cosmosdb:DatabaseAccount')) {
        if (account.properties.disableKeyBasedMetadataWriteAccess !== true) violations.push(`${account.name} lets a client with the account key change collections and indexes`);
      }
      return violations;
    },
  },
  {
    id: 'data-protected',
    name: 'patient data and the vault are protected: a destroy or a replacement stops instead of deleting them',
    notLive: "Pulumi's protect option, which Azure does not hold",
    check: (model) => {
      const stateful = ['cosmosdb:DatabaseAccount', 'cosmosdb:MongoDBResourceMongoDBDatabase', 'cosmosdb:MongoDBResourceMongoDBCollection', 'keyvault:Vault'];
      return stateful.flatMap((type) => {
        const declared = ofType(model, type);
        if (declared.length === 0) return missing(type);
        return declared.filter((resource) => !resource.protect).map((resource) => `${resource.name} is not protected`);
      });
    },
  },
  {
    id: 'apim-external-vnet',
    name: 'API Management runs in External VNet mode in the APIM subnet behind a Standard public IP',
    check: (model) => {
      const service = named(model, 'apimanagement:ApiManagementService', 'apim-service');
      if (!service) return missing('API Management');
      const violations: string[] = [];
      if (service.properties.virtualNetworkType !== 'External') violations.push(`virtual network type is ${String(service.properties.virtualNetworkType)}`);
      if (at(service.properties, 'virtualNetworkConfiguration.subnetResourceId') !== subnet(model, 'apim')?.id) violations.push('API Management is not in the APIM subnet');
      const ip = ofType(model, 'network:PublicIPAddress').find((entry) => entry.id === service.properties.publicIpAddressId);
      if (!ip || at(ip.properties, 'sku.name') !== 'Standard' || typeof at(ip.properties, 'dnsSettings.domainNameLabel') !== 'string') {
        violations.push('API Management needs a Standard public IP with a DNS label');
      }
      return violations;
    },
  },
  {
    id: 'apim-units',
    name: 'API Management has the units its tier allows: one on Developer, up to 31 per region on Premium',
    check: (model) => {
      const service = named(model, 'apimanagement:ApiManagementService', 'apim-service');
      if (!service) return missing('API Management');
      const tier = String(at(service.properties, 'sku.name'));
      const units = at(service.properties, 'sku.capacity');
      const max = ({ Developer: 1, Premium: 31 } as Record<string, number>)[tier];
      if (max === undefined) return [`API Management tier ${tier} cannot run in External VNet mode`];
      return typeof units === 'number' && Number.isInteger(units) && units >= 1 && units <= max ? [] : [`${tier} API Management with ${text(units)} units`];
    },
  },
  {
    id: 'apim-protocols',
    name: 'API Management disables TLS 1.0/1.1, SSL 3 and triple DES',
    check: (model) => {
      const service = named(model, 'apimanagement:ApiManagementService', 'apim-service');
      const custom = (service?.properties.customProperties ?? {}) as Record<string, unknown>;
      const prefix = 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.';
      return ['Protocols.Tls10', 'Protocols.Tls11', 'Protocols.Ssl30', 'Backend.Protocols.Tls10', 'Backend.Protocols.Tls11', 'Backend.Protocols.Ssl30', 'Ciphers.TripleDes168']
        .filter((key) => String(custom[prefix + key]).toLowerCase() !== 'false')
        .map((key) => `${key} is not disabled`);
    },
  },
  {
    id: 'products-require-subscriptions',
    name: "both products require subscriptions, are published and need an administrator's approval",
    check: (model) => {
      const products = ofType(model, 'apimanagement:Product');
      const violations: string[] = [];
      for (const id of ['consumers', 'compliance']) {
        const product = products.find((entry) => entry.properties.productId === id);
        if (!product) violations.push(`product ${id} is not declared`);
        else {
          if (product.properties.subscriptionRequired !== true) violations.push(`${id} does not require a subscription`);
          if (product.properties.state !== 'published') violations.push(`${id} is not published`);
          if (product.properties.approvalRequired !== true) violations.push(`${id} grants subscriptions without approval`);
        }
      }
      return violations;
    },
  },
  {
    id: 'product-apis',
    name: 'the compliance API is only in the compliance product; the patients API is in both',
    check: (model) => {
      const links = ofType(model, 'apimanagement:ProductApi').map((link) => `${String(link.properties.productId)}/${String(link.properties.apiId)}`);
      return sameSet(links, ['consumers/patients', 'compliance/patients', 'compliance/patients-compliance'])
        ? []
        : [`product links are ${JSON.stringify(links)}`];
    },
  },
  {
    id: 'apis-subscriptions-https-policy',
    name: 'both APIs require subscriptions, use HTTPS and carry the shared policy as rawxml',
    check: (model) => {
      const violations: string[] = [];
      const expected = [
        { apiId: 'patients', path: '', tag: 'patients' },
        { apiId: 'patients-compliance', path: 'compliance', tag: 'compliance' },
      ];
      for (const spec of expected) {
        const api = ofType(model, 'apimanagement:Api').find((entry) => entry.properties.apiId === spec.apiId);
        if (!api) {
          violations.push(`API ${spec.apiId} is not declared`);
          continue;
        }
        if (api.properties.subscriptionRequired !== true) violations.push(`${spec.apiId} does not require a subscription`);
        if (api.properties.path !== spec.path) violations.push(`${spec.apiId} path is '${String(api.properties.path)}'`);
        if (!sameSet(list(api.properties.protocols).map(String), ['https'])) violations.push(`${spec.apiId} protocols ${JSON.stringify(api.properties.protocols)}`);
        const document = JSON.parse(String(api.properties.value)) as { paths: Record<string, Record<string, { tags?: string[] }>> };
        const tags = Object.values(document.paths).flatMap((item) => Object.values(item).flatMap((operation) => operation.tags ?? []));
        if (tags.length === 0 || tags.some((tag) => tag !== spec.tag)) violations.push(`${spec.apiId} imports operations tagged ${JSON.stringify([...new Set(tags)])}`);
        const policy = ofType(model, 'apimanagement:ApiPolicy').find((entry) => entry.properties.apiId === spec.apiId);
        if (!policy || policy.properties.format !== 'rawxml' || !String(policy.properties.value).includes('{{patient-api-host-key}}')) {
          violations.push(`${spec.apiId} does not carry the shared policy`);
        }
      }
      return violations;
    },
  },
  {
    id: 'named-value-key-vault',
    name: 'the host-key named value is Key Vault-backed through a versionless identifier',
    check: (model) => {
      const namedValue = ofType(model, 'apimanagement:NamedValue').find((entry) => entry.properties.namedValueId === 'patient-api-host-key');
      if (!namedValue) return missing('named value patient-api-host-key');
      const violations: string[] = [];
      if (namedValue.properties.secret !== true) violations.push('the named value is not secret');
      if (namedValue.properties.value !== undefined) violations.push('the named value carries its own value');
      const identifier = String(at(namedValue.properties, 'keyVault.secretIdentifier'));
      if (!versionlessSecretIdentifier.test(identifier)) violations.push(`secret identifier ${identifier} is not versionless`);
      return violations;
    },
  },
  {
    id: 'backend-https',
    name: "the patient-api backend points at the Patient API's https://<host>/api",
    check: (model) => {
      const backend = ofType(model, 'apimanagement:Backend').find((entry) => entry.properties.backendId === 'patient-api');
      const host = site(model, 'patient-api')?.assigned.defaultHostName;
      if (!backend) return missing('backend patient-api');
      const violations: string[] = [];
      if (backend.properties.url !== `https://${String(host)}/api`) violations.push(`backend URL is ${String(backend.properties.url)}`);
      if (at(backend.properties, 'tls.validateCertificateChain') === false || at(backend.properties, 'tls.validateCertificateName') === false) violations.push('backend TLS validation is off');
      return violations;
    },
  },
  {
    id: 'diagnostics-no-bodies',
    name: 'API Management diagnostics log no bodies or headers and use W3C correlation',
    check: (model) => {
      const diagnostics = [...ofType(model, 'apimanagement:Diagnostic'), ...ofType(model, 'apimanagement:ApiDiagnostic')];
      if (diagnostics.length === 0) return missing('an Application Insights diagnostic');
      const violations: string[] = [];
      for (const diagnostic of diagnostics) {
        if (diagnostic.properties.httpCorrelationProtocol !== 'W3C') violations.push(`${diagnostic.name} correlation is ${String(diagnostic.properties.httpCorrelationProtocol)}`);
        for (const side of ['frontend', 'backend']) {
          for (const direction of ['request', 'response']) {
            const bytes = at(diagnostic.properties, `${side}.${direction}.body.bytes`);
            if (bytes !== undefined && bytes !== 0) violations.push(`${diagnostic.name} logs ${text(bytes)} bytes of ${side} ${direction} bodies`);
            if (list(at(diagnostic.properties, `${side}.${direction}.headers`)).length > 0) violations.push(`${diagnostic.name} logs ${side} ${direction} headers`);
          }
        }
      }
      return violations;
    },
  },
  {
    // API Management takes the key in `?subscription-key=` too, and the request URL is logged.
    id: 'diagnostics-mask-subscription-key',
    name: 'API Management diagnostics hide the subscription-key query parameter and mask the key header of requests',
    check: (model) => {
      const diagnostics = [...ofType(model, 'apimanagement:Diagnostic'), ...ofType(model, 'apimanagement:ApiDiagnostic')];
      if (diagnostics.length === 0) return missing('an Application Insights diagnostic');
      const violations: string[] = [];
      for (const diagnostic of diagnostics) {
        const masking = at(diagnostic.properties, 'frontend.request.dataMasking') as { queryParams?: { value: string; mode: string }[]; headers?: { value: string; mode: string }[] } | undefined;
        const hidden = (masking?.queryParams ?? []).some((entry) => entry.value.toLowerCase() === 'subscription-key' && entry.mode === 'Hide');
        const masked = (masking?.headers ?? []).some((entry) => entry.value.toLowerCase() === 'ocp-apim-subscription-key' && (entry.mode === 'Mask' || entry.mode === 'Hide'));
        if (!hidden) violations.push(`${diagnostic.name} logs the subscription-key query parameter`);
        if (!masked) violations.push(`${diagnostic.name} does not mask Ocp-Apim-Subscription-Key`);
      }
      return violations;
    },
  },
  {
    id: 'probe-subscription-consumers',
    name: 'the rotation-probe subscription belongs to the consumers product',
    check: (model) => {
      const probe = ofType(model, 'apimanagement:Subscription').find((entry) => entry.properties.sid === 'rotation-probe');
      const consumers = ofType(model, 'apimanagement:Product').find((entry) => entry.properties.productId === 'consumers');
      if (!probe || !consumers) return missing('the rotation-probe subscription or the consumers product');
      return probe.properties.scope === consumers.id ? [] : [`rotation-probe is scoped to ${String(probe.properties.scope)}`];
    },
  },
  {
    id: 'stack-outputs',
    name: 'the stack outputs are exactly those of docs/interfaces.md',
    programOnly: "a stack policy sees resources, not the stack's outputs, which the program registers when it ends",
    check: (model) => {
      const names = Object.keys(model.outputs ?? {});
      return sameSet(names, expectedOutputs) ? [] : [`outputs are ${JSON.stringify(names.sort())}`];
    },
  },
  {
    id: 'no-secret-in-outputs',
    name: 'no stack output holds a secret in plain text',
    programOnly: "a stack policy sees resources, not the stack's outputs, nor which values are secrets",
    check: (model) => {
      return Object.entries(model.outputs ?? {})
        .filter(([, output]) => !output.secret)
        .filter(([, output]) => model.secretValues.some((secret) => JSON.stringify(output.value ?? '').includes(secret)))
        .map(([name]) => `output ${name} exposes a secret`);
    },
  },
];

/** The design's invariants, then every applicable rule of PSRule for Azure by its name. */
export const invariants: Invariant[] = [...designInvariants, ...psRules];

/** What an invariant reports on a stack once its waivers (policy/waivers.ts) are applied. */
export function unwaivedViolations(invariant: Invariant, model: StackModel): string[] {
  const violations = invariant.check(model);
  return violations.length > 0 && waiverFor(invariant.id, stackEnvironment(model)) ? [] : violations;
}
