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
};

const asResources = (items: unknown[]): ArmResource[] => items.filter((item): item is ArmResource => typeof (item as ArmResource | undefined)?.id === 'string');

function namespaceOf(id: string): string {
  return (/\/providers\/([^/]+)\//i.exec(id)?.[1] ?? '').toLowerCase();
}

function typeOf(id: string): string {
  const rest = id.split(/\/providers\//i).at(-1) ?? '';
  const [namespace, ...pairs] = rest.split('/');
  return [namespace, ...pairs.filter((_, i) => i % 2 === 0)].join('/').toLowerCase();
}

/**
 * Reads a deployment through ARM for `patientctl verify`: the resources of the stack's resource
 * group and their children, each site's `config/web`, app settings and basic-auth policies, the
 * API Management entities, and the role assignments that apply to the group. Besides Reader this
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
  const version = (id: string) => NAMESPACE_VERSIONS[namespaceOf(id)] ?? API_VERSIONS.resources;
  const get = async (id: string, query: Record<string, string> = {}) => {
    const body = (await client.armRead(id, version(id), query)) as ArmResource | undefined;
    if (body?.id) resources.push(body);
    return body;
  };
  const list = async (path: string, query: Record<string, string> = {}) => {
    const items = asResources(await client.armList(path, version(path), query));
    resources.push(...items);
    return items;
  };
  const post = async (path: string) => (await client.arm('POST', path, version(path))).body as Record<string, unknown> | undefined;

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
      if (settings) resources.push({ ...settings, id: `${id}/config/appsettings` });
      const hostKeys = (keys ?? {}) as { masterKey?: unknown; functionKeys?: Record<string, unknown>; systemKeys?: Record<string, unknown> };
      for (const value of [hostKeys.masterKey, ...Object.values(hostKeys.functionKeys ?? {}), ...Object.values(hostKeys.systemKeys ?? {})]) {
        if (typeof value === 'string' && value !== '') secretValues.push(value);
      }
    },
    'microsoft.storage/storageaccounts': async (id) => Promise.all([get(id), list(`${id}/blobServices/default/containers`)]),
    'microsoft.keyvault/vaults': async (id) => Promise.all([get(id), list(`${id}/secrets`)]),
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
    ...top.map((resource) => (readers[typeOf(resource.id)] ?? get)(resource.id)),
    list(`${group}/providers/Microsoft.Authorization/roleAssignments`),
  ]);
  return { resources, sites: { 'patient-api': outputs.patientApiAppId, 'audit-api': outputs.auditApiAppId }, apiOperations, secretValues, connectionStrings };
}
