import type { ArmResource, ArmSnapshot, ArmTaggedOperation } from '../../policy/from-arm';
import { API_VERSIONS } from './api-versions';
import type { ArmClient } from './arm-client';
import { resourceGroupId, type AzureStackOutputs } from './stack-outputs';

/** The api-version each provider namespace is read with. */
const NAMESPACE_VERSIONS: Record<string, string> = {
  'microsoft.network': API_VERSIONS.network,
  'microsoft.web': API_VERSIONS.web,
  'microsoft.storage': API_VERSIONS.storage,
  'microsoft.managedidentity': API_VERSIONS.managedIdentity,
  'microsoft.keyvault': API_VERSIONS.keyVault,
  'microsoft.documentdb': API_VERSIONS.cosmos,
  'microsoft.apimanagement': API_VERSIONS.apim,
  'microsoft.operationalinsights': API_VERSIONS.operationalInsights,
  'microsoft.insights': API_VERSIONS.insights,
  'microsoft.authorization': API_VERSIONS.authorization,
  'microsoft.security': API_VERSIONS.apiCollections,
};

/** Types (and their children) read with another version than their namespace's, as azure-native 3.28 declares them. */
const TYPE_VERSIONS: [prefix: string, version: string][] = [
  ['microsoft.network/privatednszones', API_VERSIONS.privateDns],
  ['microsoft.insights/diagnosticsettings', API_VERSIONS.diagnosticSettings],
];

const asResources = (items: unknown[]): ArmResource[] => items.filter((item): item is ArmResource => typeof (item as ArmResource | undefined)?.id === 'string');

function typeOf(id: string): string {
  const rest = id.split(/\/providers\//i).at(-1) ?? '';
  const [namespace, ...pairs] = rest.split('/');
  return [namespace, ...pairs.filter((_, i) => i % 2 === 0)].join('/').toLowerCase();
}

const isResourceGroup = (id: string) => /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(id);

/** The api-version of a resource or list path: its own type's (the last provider in it, for an extension resource), else its namespace's. */
function versionOf(id: string): string {
  if (isResourceGroup(id)) return API_VERSIONS.resourceGroups;
  const type = typeOf(id);
  return TYPE_VERSIONS.find(([prefix]) => type.startsWith(prefix))?.[1] ?? NAMESPACE_VERSIONS[type.split('/')[0]] ?? API_VERSIONS.resources;
}

/**
 * Reads a deployment through ARM for `patientctl verify`: the stack's resource group (its
 * `environment` tag says which waivers apply), its resources and their children, each site's
 * `config/web`, app settings and basic-auth policies, each storage account's blob service, each
 * private endpoint's DNS zone group and each private DNS zone's VNet links, the vault's diagnostic
 * settings, the API Management entities (its global policy and Defender for APIs' collections
 * among them), and the role assignments that apply to the group. Besides Reader this
 * takes three POST actions, each answering values verify holds in memory only to compare:
 * `sites/config/list` (app settings), `sites/host/listkeys` (host keys) and Cosmos DB's
 * `listConnectionStrings` (docs/verify.md, the role).
 */
export async function readArmSnapshot(client: ArmClient, outputs: Pick<AzureStackOutputs, 'patientApiAppId' | 'auditApiAppId'>): Promise<ArmSnapshot> {
  const group = resourceGroupId(outputs.patientApiAppId);
  const resources: ArmResource[] = [];
  const apiOperations: Record<string, ArmTaggedOperation[]> = {};
  const secretValues: string[] = [];
  const connectionStrings: Record<string, string> = {};
  // The group's list also names some child resources (a private DNS zone's VNet links; assumed) that their parent's list reads again: each is kept once.
  const seen = new Set<string>();
  const keep = (resource: ArmResource) => {
    if (seen.has(resource.id.toLowerCase())) return;
    seen.add(resource.id.toLowerCase());
    resources.push(resource);
  };
  const get = async (id: string, query: Record<string, string> = {}) => {
    const body = (await client.armRead(id, versionOf(id), query)) as ArmResource | undefined;
    if (body?.id) keep(body);
    return body;
  };
  const list = async (path: string, query: Record<string, string> = {}) => {
    const items = asResources(await client.armList(path, versionOf(path), query));
    items.forEach(keep);
    return items;
  };
  const post = async (path: string) => (await client.arm('POST', path, versionOf(path))).body as Record<string, unknown> | undefined;

  const readers: Record<string, (id: string) => Promise<unknown>> = {
    'microsoft.network/virtualnetworks': async (id) => Promise.all([get(id), list(`${id}/subnets`)]),
    'microsoft.web/sites': async (id) => {
      const [, , settings, keys] = await Promise.all([
        get(id),
        get(`${id}/config/web`),
        post(`${id}/config/appsettings/list`),
        post(`${id}/host/default/listkeys`),
        get(`${id}/basicPublishingCredentialsPolicies/ftp`),
        get(`${id}/basicPublishingCredentialsPolicies/scm`),
      ]);
      if (settings) keep({ ...settings, id: `${id}/config/appsettings` });
      const hostKeys = (keys ?? {}) as { masterKey?: unknown; functionKeys?: Record<string, unknown>; systemKeys?: Record<string, unknown> };
      for (const value of [hostKeys.masterKey, ...Object.values(hostKeys.functionKeys ?? {}), ...Object.values(hostKeys.systemKeys ?? {})]) {
        if (typeof value === 'string' && value !== '') secretValues.push(value);
      }
    },
    'microsoft.network/privateendpoints': async (id) => Promise.all([get(id), list(`${id}/privateDnsZoneGroups`)]),
    'microsoft.network/privatednszones': async (id) => Promise.all([get(id), list(`${id}/virtualNetworkLinks`)]),
    'microsoft.storage/storageaccounts': async (id) => Promise.all([get(id), get(`${id}/blobServices/default`), list(`${id}/blobServices/default/containers`)]),
    // The vault's diagnostic settings are an extension resource under its id, not in the group's list.
    'microsoft.keyvault/vaults': async (id) => Promise.all([get(id), list(`${id}/secrets`), list(`${id}/providers/Microsoft.Insights/diagnosticSettings`)]),
    'microsoft.documentdb/databaseaccounts': async (id) => {
      const [account, strings, databases] = await Promise.all([get(id), post(`${id}/listConnectionStrings`), list(`${id}/mongodbDatabases`)]);
      const first = (strings?.connectionStrings as { connectionString?: unknown }[] | undefined)?.[0]?.connectionString;
      if (typeof first === 'string' && account?.name) connectionStrings[account.name] = first;
      for (const entry of (strings?.connectionStrings as { connectionString?: unknown }[] | undefined) ?? []) {
        if (typeof entry.connectionString === 'string') secretValues.push(entry.connectionString);
      }
      await Promise.all(databases.map((database) => list(`${database.id}/collections`)));
    },
    'microsoft.apimanagement/service': async (id) => {
      const [, , , apis, products] = await Promise.all([
        get(id),
        list(`${id}/namedValues`),
        list(`${id}/backends`),
        list(`${id}/apis`),
        list(`${id}/products`),
        list(`${id}/subscriptions`),
        list(`${id}/diagnostics`),
        list(`${id}/loggers`),
        get(`${id}/policies/policy`, { format: 'rawxml' }),
        // Defender for APIs' onboarding of each API: an extension resource under the service.
        list(`${id}/providers/Microsoft.Security/apiCollections`),
      ]);
      await Promise.all([
        ...apis.map(async (api) => {
          const [operations] = await Promise.all([
            client.armList(`${api.id}/operationsByTags`, API_VERSIONS.apim),
            get(`${api.id}/policies/policy`, { format: 'rawxml' }),
            list(`${api.id}/diagnostics`),
          ]);
          apiOperations[api.id] = operations as ArmTaggedOperation[];
        }),
        ...products.map((product) => list(`${product.id}/apis`)),
      ]);
    },
  };

  const top = asResources(await client.armList(`${group}/resources`, API_VERSIONS.resources));
  await Promise.all([
    get(group),
    ...top.map((resource) => (readers[typeOf(resource.id)] ?? get)(resource.id)),
    list(`${group}/providers/Microsoft.Authorization/roleAssignments`),
  ]);
  return { resources, sites: { 'patient-api': outputs.patientApiAppId, 'audit-api': outputs.auditApiAppId }, apiOperations, secretValues, connectionStrings };
}
