import type { PolicyResource } from '@pulumi/policy';
import { at, resourceKey, type ModelResource, type StackModel } from './model';

const CONNECTION_SECRETS: Record<string, string> = { patients: 'patients-db-connection', audit: 'audit-db-connection' };

/** Pulumi's components (the program's own types) and the stack itself: no Azure resource behind them. */
const isAzure = (resource: PolicyResource) => resource.type.startsWith('azure-native:') || resource.type.startsWith('random:');

/**
 * The model from what CrossGuard hands a stack policy. Properties stay CrossGuard's proxies and are
 * read only when an invariant reads them: a value still unknown in a preview (an id or a principal
 * Azure has not assigned yet) makes CrossGuard report that one policy as not runnable, instead of
 * every policy failing. azure-native's outputs carry the ARM body, its `id` included (assumed), and
 * a resource's outputs are its properties and what Azure assigned at once.
 */
export function modelFromPolicyResources(resources: PolicyResource[]): StackModel {
  const children = new Map<string, PolicyResource[]>();
  for (const resource of resources) {
    if (resource.parent) children.set(resource.parent.urn, [...(children.get(resource.parent.urn) ?? []), resource]);
  }
  // Waiting for a component is waiting for everything under it.
  const expand = (resource: PolicyResource): PolicyResource[] => [resource, ...(children.get(resource.urn) ?? []).flatMap(expand)];
  const waitsFor = (resource: PolicyResource): string[] => {
    const seen = new Set<string>();
    const pending = [...resource.dependencies];
    while (pending.length > 0) {
      for (const next of expand(pending.pop()!)) {
        const key = resourceKey(next);
        if (seen.has(key)) continue;
        seen.add(key);
        pending.push(...next.dependencies);
      }
    }
    return [...seen];
  };

  const model: ModelResource[] = resources.filter(isAzure).map((resource) => ({
    type: resource.type,
    name: resource.name,
    key: resourceKey(resource),
    get id() {
      const id: unknown = resource.props.id;
      return typeof id === 'string' ? id : '';
    },
    properties: resource.props,
    assigned: resource.props,
    secretPaths: undefined,
    protect: resource.opts.protect,
    ignoreChanges: resource.opts.ignoreChanges,
    waitsFor: waitsFor(resource),
  }));

  const secrets = () => model.filter((resource) => resource.type === 'azure-native:keyvault:Secret');
  const secretValue = (name: string): unknown => at(secrets().find((secret) => secret.properties.secretName === name)?.properties, 'properties.value');
  return {
    resources: model,
    outputs: undefined,
    deployerObjectId: undefined,
    // Every value the vault holds is a secret; the values are there when azure-native keeps them in its outputs.
    get secretValues() {
      return secrets()
        .map((secret) => at(secret.properties, 'properties.value'))
        .filter((value): value is string => typeof value === 'string' && value !== '');
    },
    // An account's connection string is what the stack stores for its database.
    get connectionStrings() {
      const byAccount: Record<string, string> = {};
      for (const database of model.filter((resource) => resource.type === 'azure-native:cosmosdb:MongoDBResourceMongoDBDatabase')) {
        const value = secretValue(CONNECTION_SECRETS[String(database.properties.databaseName)] ?? '');
        if (typeof value === 'string') byAccount[String(database.properties.accountName)] = value;
      }
      return byAccount;
    },
  };
}
