import { DATABASES } from '../../contracts/collections';
import { creationOrder } from './harness';
import type { DeclaredResource, StackModel } from './harness';

/**
 * The security invariants of docs/design.md §6 and §7 as functions over what the program declared. Each returns
 * its violations (empty when the stack complies), so a test can also show that a broken stack fails it.
 */
export interface SecurityCheck {
  name: string;
  check: (model: StackModel) => string[];
}

const roles = {
  secretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
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
];

const apps = ['patient-api', 'audit-api'] as const;
type App = (typeof apps)[number];

/** docs/design.md §5: each app's data in its own Cosmos DB account; the database and the only app that may reach it. */
const dataOwners: Record<string, App> = { patients: 'patient-api', audit: 'audit-api' };

// ---- navigating the declared resources -------------------------------------------------------------------------

export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

function ofType(model: StackModel, type: string): DeclaredResource[] {
  return model.resources.filter((resource) => resource.type === `azure-native:${type}`);
}

function named(model: StackModel, type: string, logicalName: string): DeclaredResource | undefined {
  return ofType(model, type).find((resource) => resource.name === logicalName);
}

function subnet(model: StackModel, subnetName: string): DeclaredResource | undefined {
  return ofType(model, 'network:Subnet').find((resource) => resource.inputs.subnetName === subnetName);
}

function site(model: StackModel, app: App): DeclaredResource | undefined {
  return named(model, 'web:WebApp', `${app}-site`);
}

/** The Cosmos DB account a database is declared in. */
function accountHolding(model: StackModel, database: string): DeclaredResource | undefined {
  const declared = ofType(model, 'cosmosdb:MongoDBResourceMongoDBDatabase').find((entry) => entry.inputs.databaseName === database);
  return ofType(model, 'cosmosdb:DatabaseAccount').find((account) => account.inputs.accountName === declared?.inputs.accountName);
}

function settings(resource: DeclaredResource | undefined): Map<string, string> {
  return new Map(list(at(resource?.inputs, 'siteConfig.appSettings')).map((entry) => [String(entry.name), String(entry.value)]));
}

function apimService(model: StackModel): DeclaredResource | undefined {
  return named(model, 'apimanagement:ApiManagementService', 'apim-service');
}

/** The system-assigned principal ARM returned for a site or API Management, if it has one. */
function systemPrincipal(resource: DeclaredResource | undefined): string | undefined {
  const id = at(resource?.state, 'identity.principalId');
  return typeof id === 'string' ? id : undefined;
}

/** Resource ids of the user-assigned identities attached (a list on sites, a map keyed by id on API Management). */
function attachedIdentityIds(resource: DeclaredResource | undefined): string[] {
  const attached = at(resource?.inputs, 'identity.userAssignedIdentities');
  if (Array.isArray(attached)) return attached.map(String);
  return typeof attached === 'object' && attached !== null ? Object.keys(attached) : [];
}

function userAssignedIdentity(model: StackModel, match: (identity: DeclaredResource) => boolean): DeclaredResource | undefined {
  return ofType(model, 'managedidentity:UserAssignedIdentity').find(match);
}

/** Every principal a site or API Management can act as: its system identity and its user-assigned ones. */
function principalsOf(model: StackModel, resource: DeclaredResource | undefined): string[] {
  const attached = attachedIdentityIds(resource).map((id) => at(userAssignedIdentity(model, (identity) => identity.id === id)?.state, 'principalId'));
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
function referencedSecret(model: StackModel, uri: string): DeclaredResource | undefined {
  const name = /\/secrets\/([a-z0-9-]+)/.exec(uri)?.[1];
  return ofType(model, 'keyvault:Secret').find((secret) => secret.inputs.secretName === name);
}

interface KeyVaultReader {
  what: string;
  /** The resource whose creation (a site's start, a named value's first fetch) reads the secrets. */
  resource: DeclaredResource;
  principal: string | undefined;
  secrets: DeclaredResource[];
}

/** Who reads Key Vault, with which principal: each site (its Key Vault references) and each Key Vault-backed named value. */
function keyVaultReaders(model: StackModel): KeyVaultReader[] {
  const sites = apps.flatMap((app) => {
    const resource = site(model, app);
    if (!resource) return [];
    const referenceIdentity = resource.inputs.keyVaultReferenceIdentity;
    const principal =
      typeof referenceIdentity === 'string' && referenceIdentity !== 'SystemAssigned'
        ? at(userAssignedIdentity(model, (identity) => identity.id === referenceIdentity)?.state, 'principalId')
        : systemPrincipal(resource);
    const references = [...settings(resource).values()].filter((value) => value.startsWith('@Microsoft.KeyVault('));
    const secrets = references.map((reference) => referencedSecret(model, reference)).filter((secret): secret is DeclaredResource => secret !== undefined);
    return [{ what: app, resource, principal: typeof principal === 'string' ? principal : undefined, secrets }];
  });
  const namedValues = ofType(model, 'apimanagement:NamedValue')
    .filter((namedValue) => at(namedValue.inputs, 'keyVault') !== undefined)
    .map((namedValue) => {
      const clientId = at(namedValue.inputs, 'keyVault.identityClientId');
      const principal =
        typeof clientId === 'string' ? at(userAssignedIdentity(model, (identity) => identity.state.clientId === clientId)?.state, 'principalId') : systemPrincipal(apimService(model));
      const secret = referencedSecret(model, text(at(namedValue.inputs, 'keyVault.secretIdentifier')));
      return { what: `named value ${String(namedValue.inputs.namedValueId)}`, resource: namedValue, principal: typeof principal === 'string' ? principal : undefined, secrets: secret ? [secret] : [] };
    });
  return [...sites, ...namedValues];
}

function roleGuid(assignment: DeclaredResource): string {
  return String(assignment.inputs.roleDefinitionId).split('/').pop() ?? '';
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

function eachApp(model: StackModel, test: (resource: DeclaredResource, app: App) => string[]): string[] {
  return apps.flatMap((app) => {
    const resource = site(model, app);
    return resource ? test(resource, app) : missing(`function app ${app}`);
  });
}

const keyVaultReference = /^@Microsoft\.KeyVault\(SecretUri=https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/[a-z0-9-]+\/\)$/;
const versionlessSecretIdentifier = /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\/patient-api-host-key\/?$/;

function onlyCaller(model: StackModel, app: App, callerSubnet: string): string[] {
  const resource = site(model, app);
  const caller = subnet(model, callerSubnet);
  if (!resource || !caller) return missing(`${app} or subnet ${callerSubnet}`);
  const rules = list(at(resource.inputs, 'siteConfig.ipSecurityRestrictions'));
  const allows = rules.filter((rule) => text(rule.action ?? 'Allow') === 'Allow');
  const violations: string[] = [];
  if (allows.length !== 1 || allows[0].vnetSubnetResourceId !== caller.id) {
    violations.push(`${app} must allow exactly the ${callerSubnet} subnet, allows ${JSON.stringify(allows)}`);
  }
  for (const rule of allows) {
    if (rule.ipAddress !== undefined || (rule.tag !== undefined && rule.tag !== 'Default')) {
      violations.push(`${app} allows an address or service tag: ${JSON.stringify(rule)}`);
    }
  }
  if (at(resource.inputs, 'siteConfig.ipSecurityRestrictionsDefaultAction') !== 'Deny') {
    violations.push(`${app} does not deny by default`);
  }
  return violations;
}

// ---- the checks --------------------------------------------------------------------------------

export const securityChecks: SecurityCheck[] = [
  {
    name: 'the APIM subnet NSG admits clients on 443, APIM management on 3443 and the load balancer on 6390',
    check: (model) => {
      const apimSubnet = subnet(model, 'apim');
      const nsgId = at(apimSubnet?.inputs, 'networkSecurityGroup.id');
      const nsg = ofType(model, 'network:NetworkSecurityGroup').find((resource) => resource.id === nsgId);
      if (!nsg) return missing('an NSG on the APIM subnet');
      const rules = list(nsg.inputs.securityRules);
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
    name: 'the APIM subnet has the Microsoft.Web and Microsoft.KeyVault service endpoints',
    check: (model) => {
      const apimSubnet = subnet(model, 'apim');
      if (!apimSubnet) return missing('the APIM subnet');
      const endpoints = list(apimSubnet.inputs.serviceEndpoints).map((entry) => String(entry.service));
      return ['Microsoft.Web', 'Microsoft.KeyVault'].filter((service) => !endpoints.includes(service)).map((service) => `APIM subnet lacks ${service}`);
    },
  },
  {
    name: 'each app has its own integration subnet, delegated to Microsoft.Web/serverFarms with Web, KeyVault and AzureCosmosDB endpoints',
    check: (model) => {
      return apps.flatMap((app) => {
        const integration = subnet(model, app);
        if (!integration) return missing(`the ${app} subnet`);
        const violations: string[] = [];
        const delegations = list(integration.inputs.delegations).map((entry) => entry.serviceName);
        if (!sameSet(delegations.map(String), ['Microsoft.Web/serverFarms'])) violations.push(`${app} subnet delegations ${JSON.stringify(delegations)}`);
        const endpoints = list(integration.inputs.serviceEndpoints).map((entry) => String(entry.service));
        for (const service of ['Microsoft.Web', 'Microsoft.KeyVault', 'Microsoft.AzureCosmosDB']) {
          if (!endpoints.includes(service)) violations.push(`${app} subnet lacks ${service}`);
        }
        if (site(model, app)?.inputs.virtualNetworkSubnetId !== integration.id) violations.push(`${app} is not integrated in its own subnet`);
        return violations;
      });
    },
  },
  {
    name: 'subnets are separate resources, never inline on the VNet',
    check: (model) => {
      const vnets = ofType(model, 'network:VirtualNetwork');
      if (vnets.length === 0) return missing('the VNet');
      return vnets.filter((vnet) => list(vnet.inputs.subnets).length > 0).map((vnet) => `${vnet.name} declares subnets inline`);
    },
  },
  {
    name: 'the Patient API admits only the APIM subnet',
    check: (model) => onlyCaller(model, 'patient-api', 'apim'),
  },
  {
    name: "the Audit API admits only the Patient API's integration subnet",
    check: (model) => onlyCaller(model, 'audit-api', 'patient-api'),
  },
  {
    name: 'the SCM sites deny by default with their own (empty) rules',
    check: (model) =>
      eachApp(model, (resource, app) => {
        const violations: string[] = [];
        if (at(resource.inputs, 'siteConfig.scmIpSecurityRestrictionsDefaultAction') !== 'Deny') violations.push(`${app} SCM does not deny by default`);
        if (at(resource.inputs, 'siteConfig.scmIpSecurityRestrictionsUseMain') !== false) violations.push(`${app} SCM must not reuse the main rules`);
        const allows = list(at(resource.inputs, 'siteConfig.scmIpSecurityRestrictions')).filter((rule) => text(rule.action ?? 'Allow') === 'Allow');
        if (allows.length > 0) violations.push(`${app} SCM allows ${JSON.stringify(allows)}`);
        return violations;
      }),
  },
  {
    name: 'both apps are HTTPS only',
    check: (model) => eachApp(model, (resource, app) => (resource.inputs.httpsOnly === true ? [] : [`${app} accepts plain HTTP`])),
  },
  {
    name: 'both apps require TLS 1.2 or later, on the site and on SCM',
    check: (model) =>
      eachApp(model, (resource, app) =>
        ['siteConfig.minTlsVersion', 'siteConfig.scmMinTlsVersion']
          .filter((key) => !['1.2', '1.3'].includes(String(at(resource.inputs, key))))
          .map((key) => `${app} ${key} is ${String(at(resource.inputs, key))}`),
      ),
  },
  {
    name: 'FTP(S) is disabled and basic-auth publishing is off',
    check: (model) =>
      eachApp(model, (resource, app) => {
        const violations: string[] = [];
        if (at(resource.inputs, 'siteConfig.ftpsState') !== 'Disabled') violations.push(`${app} FTPS is ${String(at(resource.inputs, 'siteConfig.ftpsState'))}`);
        for (const type of ['web:WebAppFtpAllowed', 'web:WebAppScmAllowed']) {
          const policy = ofType(model, type).find((entry) => entry.inputs.name === resource.inputs.name);
          if (!policy || policy.inputs.allow !== false) violations.push(`${app} ${type} does not forbid basic auth`);
        }
        return violations;
      }),
  },
  {
    name: 'both apps run Node 22 on Functions v4',
    check: (model) =>
      eachApp(model, (resource, app) => {
        const values = settings(resource);
        const violations: string[] = [];
        if (at(resource.inputs, 'siteConfig.linuxFxVersion') !== 'Node|22') violations.push(`${app} linuxFxVersion is ${String(at(resource.inputs, 'siteConfig.linuxFxVersion'))}`);
        if (values.get('FUNCTIONS_EXTENSION_VERSION') !== '~4') violations.push(`${app} is not on Functions v4`);
        if (values.get('FUNCTIONS_WORKER_RUNTIME') !== 'node') violations.push(`${app} worker runtime is not node`);
        if (resource.inputs.kind !== 'functionapp,linux') violations.push(`${app} is not a Linux function app`);
        return violations;
      }),
  },
  {
    name: 'both apps route all outbound traffic through the VNet',
    check: (model) =>
      eachApp(model, (resource, app) => {
        const violations: string[] = [];
        if (typeof resource.inputs.virtualNetworkSubnetId !== 'string') violations.push(`${app} has no VNet integration`);
        if (at(resource.inputs, 'siteConfig.vnetRouteAllEnabled') !== true) violations.push(`${app} does not route all traffic through the VNet`);
        return violations;
      }),
  },
  {
    name: 'each app runs on its own Elastic Premium EP1 Linux plan',
    check: (model) => {
      const plans = ofType(model, 'web:AppServicePlan');
      const used = new Set<string>();
      return eachApp(model, (resource, app) => {
        const plan = plans.find((entry) => entry.id === resource.inputs.serverFarmId);
        if (!plan) return [`${app} has no plan`];
        const violations: string[] = [];
        if (used.has(plan.id)) violations.push(`${app} shares a plan`);
        used.add(plan.id);
        if (at(plan.inputs, 'sku.name') !== 'EP1' || at(plan.inputs, 'sku.tier') !== 'ElasticPremium') violations.push(`${app} plan is ${JSON.stringify(plan.inputs.sku)}`);
        if (plan.inputs.reserved !== true) violations.push(`${app} plan is not Linux`);
        return violations;
      });
    },
  },
  {
    name: 'each app has a user-assigned identity of its own and no system identity; API Management reads the vault with its system-assigned identity',
    check: (model) => {
      const seen = new Map<string, string>();
      const violations = eachApp(model, (resource, app) => {
        const found: string[] = [];
        if (at(resource.inputs, 'identity.type') !== 'UserAssigned') found.push(`${app} identity type is ${text(at(resource.inputs, 'identity.type'))}`);
        const attached = attachedIdentityIds(resource);
        if (attached.length !== 1 || !userAssignedIdentity(model, (identity) => identity.id === attached[0])) found.push(`${app} has identities ${JSON.stringify(attached)}`);
        for (const id of attached) {
          if (seen.has(id)) found.push(`${app} shares its identity with ${seen.get(id)}`);
          seen.set(id, app);
        }
        return found;
      });
      const apim = apimService(model);
      if (!text(at(apim?.inputs, 'identity.type')).includes('SystemAssigned')) violations.push('API Management has no system identity');
      for (const id of attachedIdentityIds(apim)) if (seen.has(id)) violations.push(`API Management shares the identity of ${seen.get(id)}`);
      // A vault behind its firewall admits API Management's system-assigned identity only.
      for (const namedValue of ofType(model, 'apimanagement:NamedValue')) {
        if (at(namedValue.inputs, 'keyVault.identityClientId') !== undefined) violations.push(`named value ${String(namedValue.inputs.namedValueId)} reads the firewalled vault with a user-assigned identity`);
      }
      return violations;
    },
  },
  {
    name: 'each app reads its Key Vault references, its package and its host storage with that identity, granted its storage roles before the site exists',
    check: (model) => {
      const createdBefore = creationOrder(model);
      return eachApp(model, (resource, app) => {
        const identity = userAssignedIdentity(model, (entry) => entry.id === attachedIdentityIds(resource)[0]);
        if (!identity) return [`${app} has no user-assigned identity`];
        const values = settings(resource);
        const violations: string[] = [];
        if (resource.inputs.keyVaultReferenceIdentity !== identity.id) violations.push(`${app} resolves Key Vault references as ${text(resource.inputs.keyVaultReferenceIdentity)}`);
        if (values.get('WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID') !== identity.id) violations.push(`${app} fetches its package as ${text(values.get('WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID'))}`);
        if (values.get('AzureWebJobsStorage__credential') !== 'managedidentity') violations.push(`${app} host storage credential is ${text(values.get('AzureWebJobsStorage__credential'))}`);
        if (values.get('AzureWebJobsStorage__clientId') !== identity.state.clientId) violations.push(`${app} host storage client id is ${text(values.get('AzureWebJobsStorage__clientId'))}`);
        const account = named(model, 'storage:StorageAccount', `${app}-storage`);
        const owner = ofType(model, 'authorization:RoleAssignment').find(
          (assignment) => assignment.inputs.principalId === identity.state.principalId && assignment.inputs.scope === account?.id && roleGuid(assignment) === roles.blobDataOwner,
        );
        if (!owner) violations.push(`${app}'s identity is not Storage Blob Data Owner on its storage account`);
        else if (!createdBefore(owner, resource)) violations.push(`${app} can start before its identity may read its package and host storage`);
        return violations;
      });
    },
  },
  {
    name: 'every role assignment to a managed identity says ServicePrincipal, so ARM does not look up an identity Entra ID has not replicated yet',
    check: (model) => {
      const owners = identities(model);
      const assignments = ofType(model, 'authorization:RoleAssignment').filter((assignment) => owners.has(String(assignment.inputs.principalId)));
      if (assignments.length === 0) return missing('role assignments to the managed identities');
      return assignments.filter((assignment) => assignment.inputs.principalType !== 'ServicePrincipal').map((assignment) => `${assignment.name} has principal type ${text(assignment.inputs.principalType)}`);
    },
  },
  {
    name: 'every identity a site or API Management reads Key Vault with is granted each secret it reads before the resource that reads with it',
    check: (model) => {
      const createdBefore = creationOrder(model);
      const grants = ofType(model, 'authorization:RoleAssignment').filter((assignment) => roleGuid(assignment) === roles.secretsUser);
      return keyVaultReaders(model).flatMap(({ what, resource, principal, secrets }) => {
        if (!principal) return [`${what} reads Key Vault with no identity`];
        if (secrets.length === 0) return [`${what} reads no declared secret`];
        return secrets.flatMap((secret) => {
          const name = String(secret.inputs.secretName);
          const grant = grants.find((assignment) => assignment.inputs.principalId === principal && assignment.inputs.scope === secret.id);
          if (!grant) return [`${what} reads ${name} with an identity that holds no Key Vault Secrets User on it`];
          return createdBefore(grant, resource) ? [] : [`${what} can read ${name} before its identity is granted it`];
        });
      });
    },
  },
  {
    name: 'host storage and the package are reached with the app identity, never a key or SAS',
    check: (model) => {
      return eachApp(model, (resource, app) => {
        const values = settings(resource);
        const violations: string[] = [];
        const account = named(model, 'storage:StorageAccount', `${app}-storage`);
        if (!account) return missing(`${app} storage`);
        if (values.get('AzureWebJobsStorage__accountName') !== account.inputs.accountName) violations.push(`${app} does not use identity-based AzureWebJobsStorage`);
        for (const forbidden of ['AzureWebJobsStorage', 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING']) {
          if (values.has(forbidden)) violations.push(`${app} sets ${forbidden}`);
        }
        const packageUrl = values.get('WEBSITE_RUN_FROM_PACKAGE') ?? '';
        if (!packageUrl.startsWith(`https://${String(account.inputs.accountName)}.blob.core.windows.net/`) || packageUrl.includes('?')) {
          violations.push(`${app} package URL is ${packageUrl}`);
        }
        const principals = principalsOf(model, resource);
        const owner = ofType(model, 'authorization:RoleAssignment').some(
          (assignment) => principals.includes(String(assignment.inputs.principalId)) && assignment.inputs.scope === account.id && roleGuid(assignment) === roles.blobDataOwner,
        );
        if (!owner) violations.push(`${app} identity is not Storage Blob Data Owner on its storage account`);
        return violations;
      });
    },
  },
  {
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
    name: 'app settings are declared only on the site (no separate settings resource to fight it)',
    check: (model) =>
      model.resources
        .filter((resource) => /^azure-native:web:WebAppApplicationSettings/.test(resource.type))
        .map((resource) => `${resource.name} declares app settings outside the site`),
  },
  {
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
    name: 'storage accounts refuse anonymous blobs, plain HTTP and TLS below 1.2',
    check: (model) => {
      const accounts = ofType(model, 'storage:StorageAccount');
      if (accounts.length === 0) return missing('storage accounts');
      const violations: string[] = [];
      for (const account of accounts) {
        if (account.inputs.allowBlobPublicAccess !== false) violations.push(`${account.name} allows public blobs`);
        if (account.inputs.enableHttpsTrafficOnly !== true) violations.push(`${account.name} accepts HTTP`);
        if (account.inputs.minimumTlsVersion !== 'TLS1_2') violations.push(`${account.name} TLS ${String(account.inputs.minimumTlsVersion)}`);
      }
      for (const container of ofType(model, 'storage:BlobContainer')) {
        if ((container.inputs.publicAccess ?? 'None') !== 'None') violations.push(`${container.name} is public`);
      }
      return violations;
    },
  },
  {
    name: 'the vault uses RBAC authorization, soft delete and purge protection',
    check: (model) => {
      const vaults = ofType(model, 'keyvault:Vault');
      if (vaults.length !== 1) return [`expected one vault, found ${vaults.length}`];
      const properties = vaults[0].inputs.properties;
      const violations: string[] = [];
      if (at(properties, 'enableRbacAuthorization') !== true) violations.push('RBAC authorization is off');
      if (at(properties, 'enableSoftDelete') === false) violations.push('soft delete is off');
      if (at(properties, 'enablePurgeProtection') !== true) violations.push('purge protection is off');
      if (list(at(properties, 'accessPolicies')).length > 0) violations.push('the vault carries access policies');
      return violations;
    },
  },
  {
    name: 'the vault firewall denies by default and admits only the APIM and app subnets',
    check: (model) => {
      const vault = ofType(model, 'keyvault:Vault')[0];
      if (!vault) return missing('the vault');
      const acls = at(vault.inputs, 'properties.networkAcls');
      const violations: string[] = [];
      if (at(acls, 'defaultAction') !== 'Deny') violations.push('the vault firewall does not deny by default');
      const allowed = list(at(acls, 'virtualNetworkRules')).map((rule) => String(rule.id));
      const expected = ['apim', 'patient-api', 'audit-api'].map((name) => subnet(model, name)?.id ?? `missing ${name}`);
      if (!sameSet(allowed, expected)) violations.push(`the vault admits subnets ${JSON.stringify(allowed)}`);
      for (const rule of list(at(acls, 'ipRules'))) {
        if (/\/0$/.test(String(rule.value)) || rule.value === '0.0.0.0') violations.push(`the vault admits ${String(rule.value)}`);
      }
      return violations;
    },
  },
  {
    name: 'each identity has Key Vault Secrets User on exactly its secrets (docs/design.md §7)',
    check: (model) => {
      const owners = identities(model);
      const secretsById = new Map(ofType(model, 'keyvault:Secret').map((secret) => [secret.id, String(secret.inputs.secretName)]));
      const actual: Record<string, string[]> = { apim: [], 'patient-api': [], 'audit-api': [] };
      const violations: string[] = [];
      for (const assignment of ofType(model, 'authorization:RoleAssignment').filter((entry) => roleGuid(entry) === roles.secretsUser)) {
        const owner = owners.get(String(assignment.inputs.principalId));
        const secret = secretsById.get(String(assignment.inputs.scope));
        if (!owner) violations.push(`Secrets User for unexpected principal ${String(assignment.inputs.principalId)}`);
        else if (!secret) violations.push(`${owner} has Secrets User on ${String(assignment.inputs.scope)}, which is not one secret`);
        else actual[owner].push(secret);
      }
      for (const [owner, secrets] of Object.entries(expectedReaders)) {
        if (!sameSet(actual[owner] ?? [], secrets)) violations.push(`${owner} reads ${JSON.stringify(actual[owner])}, expected ${JSON.stringify(secrets)}`);
      }
      return violations;
    },
  },
  {
    name: 'no app or gateway identity holds a role on the vault, the resource group or the subscription',
    check: (model) => {
      const owners = identities(model);
      const violations: string[] = [];
      for (const assignment of ofType(model, 'authorization:RoleAssignment')) {
        const owner = owners.get(String(assignment.inputs.principalId));
        if (!owner) continue;
        const scope = String(assignment.inputs.scope);
        const guid = roleGuid(assignment);
        const onSecret = /\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+\/secrets\/[^/]+$/.test(scope) && guid === roles.secretsUser;
        const ownStorage =
          scope === named(model, 'storage:StorageAccount', `${owner}-storage`)?.id &&
          [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor].includes(guid);
        if (!onSecret && !ownStorage) violations.push(`${owner} holds role ${guid} on ${scope}`);
      }
      return violations;
    },
  },
  {
    name: 'nobody holds a role on the vault itself, and the deployer holds no Key Vault data role: only the readers of docs/design.md §7, each on one secret',
    check: (model) => {
      const vault = ofType(model, 'keyvault:Vault')[0];
      if (!vault) return missing('the vault');
      const owners = identities(model);
      const violations: string[] = [];
      for (const assignment of ofType(model, 'authorization:RoleAssignment')) {
        const scope = String(assignment.inputs.scope);
        const principal = String(assignment.inputs.principalId);
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
    name: 'the vault holds the five secrets of docs/interfaces.md, and every value sent is a Pulumi secret',
    check: (model) => {
      const secrets = ofType(model, 'keyvault:Secret');
      const violations: string[] = [];
      const names = secrets.map((secret) => String(secret.inputs.secretName));
      if (!sameSet(names, ['patient-api-host-key', 'audit-api-host-key', 'patients-db-connection', 'audit-db-connection', 'search-hash-key'])) {
        violations.push(`the vault holds ${JSON.stringify(names)}`);
      }
      for (const secret of secrets) {
        const marked = secret.secretInputPaths.some((path) => path === 'properties' || path === 'properties.value');
        if (!marked) violations.push(`${String(secret.inputs.secretName)} value is not a Pulumi secret`);
      }
      return violations;
    },
  },
  {
    name: 'rotated host keys are written once: Pulumi ignores every later change to their value and tags',
    check: (model) => {
      return ['patient-api-host-key', 'audit-api-host-key'].flatMap((name) => {
        const secret = ofType(model, 'keyvault:Secret').find((entry) => entry.inputs.secretName === name);
        if (!secret) return missing(`secret ${name}`);
        const ignored = new Set(secret.ignoreChanges);
        const covered = ['properties', 'tags'].every((key) => ignored.has(key));
        return covered ? [] : [`${name} ignores only ${JSON.stringify(secret.ignoreChanges)}: a later update would overwrite the rotated value`];
      });
    },
  },
  {
    name: "each Cosmos DB account is reachable only from the subnet of the app whose data it holds",
    check: (model) => {
      return Object.entries(dataOwners).flatMap(([database, app]) => {
        const account = accountHolding(model, database);
        if (!account) return missing(`the Cosmos DB account of database ${database}`);
        const violations: string[] = [];
        const publicAccess = account.inputs.publicNetworkAccess;
        if (publicAccess !== 'Disabled' && account.inputs.isVirtualNetworkFilterEnabled !== true) violations.push(`${account.name} is public without a VNet filter`);
        const rules = list(account.inputs.virtualNetworkRules).map((rule) => String(rule.id));
        if (publicAccess !== 'Disabled' && !sameSet(rules, [subnet(model, app)?.id ?? `missing ${app}`])) violations.push(`${account.name} admits ${JSON.stringify(rules)}`);
        if (list(account.inputs.ipRules).length > 0) violations.push(`${account.name} admits IP ranges ${JSON.stringify(account.inputs.ipRules)}`);
        if ((account.inputs.networkAclBypass ?? 'None') !== 'None') violations.push(`${account.name} lets Azure services bypass its firewall`);
        return violations;
      });
    },
  },
  {
    name: "the audit register has its own Cosmos DB account: no secret the Patient API reads carries its key, and its network rules do not admit the Patient API",
    check: (model) => {
      const audit = accountHolding(model, 'audit');
      const patients = accountHolding(model, 'patients');
      if (!audit || !patients) return missing('the Cosmos DB accounts of the patients and audit databases');
      const violations: string[] = [];
      if (audit.id === patients.id) violations.push('the audit and patients databases share one account, and so one key');
      const auditKey = model.connectionStrings[String(audit.inputs.accountName)];
      if (!auditKey) return [...violations, 'the audit account has no connection string'];
      const owners = identities(model);
      const secretsById = new Map(ofType(model, 'keyvault:Secret').map((secret) => [secret.id, secret]));
      for (const grant of ofType(model, 'authorization:RoleAssignment')) {
        if (owners.get(String(grant.inputs.principalId)) !== 'patient-api') continue;
        const secret = secretsById.get(String(grant.inputs.scope));
        if (secret && text(at(secret.inputs, 'properties.value')).includes(auditKey)) {
          violations.push(`the Patient API reads ${String(secret.inputs.secretName)}, which carries the audit account's connection string`);
        }
      }
      const stored = ofType(model, 'keyvault:Secret').find((secret) => secret.inputs.secretName === 'audit-db-connection');
      if (at(stored?.inputs, 'properties.value') !== auditKey) violations.push("audit-db-connection does not hold the audit account's connection string");
      if (list(audit.inputs.virtualNetworkRules).some((rule) => rule.id === subnet(model, 'patient-api')?.id)) violations.push("the audit account admits the Patient API's subnet");
      return violations;
    },
  },
  {
    // The apps' driver (mongodb 7.x) speaks to MongoDB 4.4 and newer only: an older account accepts no connection.
    name: 'each Cosmos DB account is declared at a MongoDB server version the apps\' driver supports (4.4 or newer)',
    check: (model) => {
      const accounts = ofType(model, 'cosmosdb:DatabaseAccount');
      if (accounts.length === 0) return missing('a Cosmos DB account');
      const supported = (version: string) => /^\d+\.\d+$/.test(version) && Number(version) >= 4.4;
      return accounts.filter((account) => !supported(String(at(account.inputs, 'apiProperties.serverVersion')))).map((account) => `${account.name} is declared at server version ${String(at(account.inputs, 'apiProperties.serverVersion'))}`);
    },
  },
  {
    name: 'Cosmos DB requires TLS 1.2 and keeps continuous backup',
    check: (model) => {
      const accounts = ofType(model, 'cosmosdb:DatabaseAccount');
      if (accounts.length === 0) return missing('a Cosmos DB account');
      return accounts.flatMap((account) => {
        const violations: string[] = [];
        if (account.inputs.minimalTlsVersion !== 'Tls12') violations.push(`${account.name} minimal TLS is ${String(account.inputs.minimalTlsVersion)}`);
        if (at(account.inputs, 'backupPolicy.type') !== 'Continuous') violations.push(`${account.name} backup is not continuous`);
        return violations;
      });
    },
  },
  {
    name: 'each collection of contracts/collections.ts has exactly its declared shard key and indexes (unique ones from creation, TTL only on _ts), and only the stack changes them',
    check: (model) => {
      const collections = ofType(model, 'cosmosdb:MongoDBResourceMongoDBCollection');
      const violations: string[] = [];
      const declared = DATABASES.flatMap((database) => database.collections.map((collection) => ({ database: database.name, collection })));
      for (const { database, collection } of declared) {
        const where = `${database}.${collection.name}`;
        const found = collections.find((entry) => entry.inputs.databaseName === database && entry.inputs.collectionName === collection.name);
        if (!found) {
          violations.push(`${where} is not declared`);
          continue;
        }
        const shardKey = at(found.inputs, 'resource.shardKey');
        if (JSON.stringify(shardKey) !== JSON.stringify({ [collection.shardKey]: 'Hash' })) violations.push(`${where} is sharded on ${text(shardKey)}`);
        const indexes = list(at(found.inputs, 'resource.indexes')).map((index) => ({
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
        const name = `${String(collection.inputs.databaseName)}.${String(collection.inputs.collectionName)}`;
        if (!names.has(name)) violations.push(`${name} is not in contracts/collections.ts`);
      }
      for (const account of ofType(model, 'cosmosdb:DatabaseAccount')) {
        if (account.inputs.disableKeyBasedMetadataWriteAccess !== true) violations.push(`${account.name} lets a client with the account key change collections and indexes`);
      }
      return violations;
    },
  },
  {
    name: 'patient data and the vault are protected: a destroy or a replacement stops instead of deleting them',
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
    name: 'API Management runs in External VNet mode in the APIM subnet behind a Standard public IP',
    check: (model) => {
      const service = named(model, 'apimanagement:ApiManagementService', 'apim-service');
      if (!service) return missing('API Management');
      const violations: string[] = [];
      if (service.inputs.virtualNetworkType !== 'External') violations.push(`virtual network type is ${String(service.inputs.virtualNetworkType)}`);
      if (at(service.inputs, 'virtualNetworkConfiguration.subnetResourceId') !== subnet(model, 'apim')?.id) violations.push('API Management is not in the APIM subnet');
      const ip = ofType(model, 'network:PublicIPAddress').find((entry) => entry.id === service.inputs.publicIpAddressId);
      if (!ip || at(ip.inputs, 'sku.name') !== 'Standard' || typeof at(ip.inputs, 'dnsSettings.domainNameLabel') !== 'string') {
        violations.push('API Management needs a Standard public IP with a DNS label');
      }
      return violations;
    },
  },
  {
    name: 'API Management has the units its tier allows: one on Developer, up to 31 per region on Premium',
    check: (model) => {
      const service = named(model, 'apimanagement:ApiManagementService', 'apim-service');
      if (!service) return missing('API Management');
      const tier = String(at(service.inputs, 'sku.name'));
      const units = at(service.inputs, 'sku.capacity');
      const max = ({ Developer: 1, Premium: 31 } as Record<string, number>)[tier];
      if (max === undefined) return [`API Management tier ${tier} cannot run in External VNet mode`];
      return typeof units === 'number' && Number.isInteger(units) && units >= 1 && units <= max ? [] : [`${tier} API Management with ${text(units)} units`];
    },
  },
  {
    name: 'API Management disables TLS 1.0/1.1, SSL 3 and triple DES',
    check: (model) => {
      const service = named(model, 'apimanagement:ApiManagementService', 'apim-service');
      const custom = (service?.inputs.customProperties ?? {}) as Record<string, unknown>;
      const prefix = 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.';
      return ['Protocols.Tls10', 'Protocols.Tls11', 'Protocols.Ssl30', 'Backend.Protocols.Tls10', 'Backend.Protocols.Tls11', 'Backend.Protocols.Ssl30', 'Ciphers.TripleDes168']
        .filter((key) => String(custom[prefix + key]).toLowerCase() !== 'false')
        .map((key) => `${key} is not disabled`);
    },
  },
  {
    name: 'both products require subscriptions, are published and need no approval',
    check: (model) => {
      const products = ofType(model, 'apimanagement:Product');
      const violations: string[] = [];
      for (const id of ['consumers', 'compliance']) {
        const product = products.find((entry) => entry.inputs.productId === id);
        if (!product) violations.push(`product ${id} is not declared`);
        else {
          if (product.inputs.subscriptionRequired !== true) violations.push(`${id} does not require a subscription`);
          if (product.inputs.state !== 'published') violations.push(`${id} is not published`);
          if (product.inputs.approvalRequired !== false) violations.push(`${id} requires approval`);
        }
      }
      return violations;
    },
  },
  {
    name: 'the compliance API is only in the compliance product; the patients API is in both',
    check: (model) => {
      const links = ofType(model, 'apimanagement:ProductApi').map((link) => `${String(link.inputs.productId)}/${String(link.inputs.apiId)}`);
      return sameSet(links, ['consumers/patients', 'compliance/patients', 'compliance/patients-compliance'])
        ? []
        : [`product links are ${JSON.stringify(links)}`];
    },
  },
  {
    name: 'both APIs require subscriptions, use HTTPS and carry the shared policy as rawxml',
    check: (model) => {
      const violations: string[] = [];
      const expected = [
        { apiId: 'patients', path: '', tag: 'patients' },
        { apiId: 'patients-compliance', path: 'compliance', tag: 'compliance' },
      ];
      for (const spec of expected) {
        const api = ofType(model, 'apimanagement:Api').find((entry) => entry.inputs.apiId === spec.apiId);
        if (!api) {
          violations.push(`API ${spec.apiId} is not declared`);
          continue;
        }
        if (api.inputs.subscriptionRequired !== true) violations.push(`${spec.apiId} does not require a subscription`);
        if (api.inputs.path !== spec.path) violations.push(`${spec.apiId} path is '${String(api.inputs.path)}'`);
        if (!sameSet(list(api.inputs.protocols).map(String), ['https'])) violations.push(`${spec.apiId} protocols ${JSON.stringify(api.inputs.protocols)}`);
        const document = JSON.parse(String(api.inputs.value)) as { paths: Record<string, Record<string, { tags?: string[] }>> };
        const tags = Object.values(document.paths).flatMap((item) => Object.values(item).flatMap((operation) => operation.tags ?? []));
        if (tags.length === 0 || tags.some((tag) => tag !== spec.tag)) violations.push(`${spec.apiId} imports operations tagged ${JSON.stringify([...new Set(tags)])}`);
        const policy = ofType(model, 'apimanagement:ApiPolicy').find((entry) => entry.inputs.apiId === spec.apiId);
        if (!policy || policy.inputs.format !== 'rawxml' || !String(policy.inputs.value).includes('{{patient-api-host-key}}')) {
          violations.push(`${spec.apiId} does not carry the shared policy`);
        }
      }
      return violations;
    },
  },
  {
    name: 'the host-key named value is Key Vault-backed through a versionless identifier',
    check: (model) => {
      const namedValue = ofType(model, 'apimanagement:NamedValue').find((entry) => entry.inputs.namedValueId === 'patient-api-host-key');
      if (!namedValue) return missing('named value patient-api-host-key');
      const violations: string[] = [];
      if (namedValue.inputs.secret !== true) violations.push('the named value is not secret');
      if (namedValue.inputs.value !== undefined) violations.push('the named value carries its own value');
      const identifier = String(at(namedValue.inputs, 'keyVault.secretIdentifier'));
      if (!versionlessSecretIdentifier.test(identifier)) violations.push(`secret identifier ${identifier} is not versionless`);
      return violations;
    },
  },
  {
    name: "the patient-api backend points at the Patient API's https://<host>/api",
    check: (model) => {
      const backend = ofType(model, 'apimanagement:Backend').find((entry) => entry.inputs.backendId === 'patient-api');
      const host = site(model, 'patient-api')?.state.defaultHostName;
      if (!backend) return missing('backend patient-api');
      const violations: string[] = [];
      if (backend.inputs.url !== `https://${String(host)}/api`) violations.push(`backend URL is ${String(backend.inputs.url)}`);
      if (at(backend.inputs, 'tls.validateCertificateChain') === false || at(backend.inputs, 'tls.validateCertificateName') === false) violations.push('backend TLS validation is off');
      return violations;
    },
  },
  {
    name: 'API Management diagnostics log no bodies or headers and use W3C correlation',
    check: (model) => {
      const diagnostics = [...ofType(model, 'apimanagement:Diagnostic'), ...ofType(model, 'apimanagement:ApiDiagnostic')];
      if (diagnostics.length === 0) return missing('an Application Insights diagnostic');
      const violations: string[] = [];
      for (const diagnostic of diagnostics) {
        if (diagnostic.inputs.httpCorrelationProtocol !== 'W3C') violations.push(`${diagnostic.name} correlation is ${String(diagnostic.inputs.httpCorrelationProtocol)}`);
        for (const side of ['frontend', 'backend']) {
          for (const direction of ['request', 'response']) {
            const bytes = at(diagnostic.inputs, `${side}.${direction}.body.bytes`);
            if (bytes !== undefined && bytes !== 0) violations.push(`${diagnostic.name} logs ${text(bytes)} bytes of ${side} ${direction} bodies`);
            if (list(at(diagnostic.inputs, `${side}.${direction}.headers`)).length > 0) violations.push(`${diagnostic.name} logs ${side} ${direction} headers`);
          }
        }
      }
      return violations;
    },
  },
  {
    name: 'the rotation-probe subscription belongs to the consumers product',
    check: (model) => {
      const probe = ofType(model, 'apimanagement:Subscription').find((entry) => entry.inputs.sid === 'rotation-probe');
      const consumers = ofType(model, 'apimanagement:Product').find((entry) => entry.inputs.productId === 'consumers');
      if (!probe || !consumers) return missing('the rotation-probe subscription or the consumers product');
      return probe.inputs.scope === consumers.id ? [] : [`rotation-probe is scoped to ${String(probe.inputs.scope)}`];
    },
  },
  {
    name: 'the stack outputs are exactly those of docs/interfaces.md',
    check: (model) => {
      const names = Object.keys(model.outputs);
      return sameSet(names, expectedOutputs) ? [] : [`outputs are ${JSON.stringify(names.sort())}`];
    },
  },
  {
    name: 'no stack output holds a secret in plain text',
    check: (model) => {
      return Object.entries(model.outputs)
        .filter(([, output]) => !output.secret)
        .filter(([, output]) => model.secretValues.some((secret) => JSON.stringify(output.value ?? '').includes(secret)))
        .map(([name]) => `output ${name} exposes a secret`);
    },
  },
];
