import type { CollectionDeclaration } from '../../mongo';
import { resourceKey, type DeclaredResource } from '../program-model';
import { privatePaths, type PrivatePath } from './private-endpoints';
import { DeclarationError } from './coverage';
import { at, text, type DeclaredLookup } from './declared-lookup';
import { admittedRange } from './subnets';

export interface AccountTopology {
  key: string;
  /** The process that runs its twin: named after the component that declares the account. */
  process: string;
  /** The account's name: the user name of its credentials. */
  name: string;
  /** The firewall: ranges admitted, or undefined when the account admits every address. */
  allowedSources?: string[];
  /** What its public endpoint admits (undefined: every address), before any private endpoint. */
  publicSources?: string[];
  /** Its private endpoints, each with what a caller needs before it reaches the account through it. */
  privatePaths: PrivatePath[];
  keyBasedMetadataWriteAccess: boolean;
  continuousBackup: boolean;
  serverVersion: string;
  databases: { name: string; collections: CollectionDeclaration[] }[];
}

const ACCOUNT = 'azure-native:cosmosdb:DatabaseAccount';

interface ArmIndex {
  key?: { keys?: string[] };
  options?: { unique?: boolean; expireAfterSeconds?: number };
}

/** ARM's index list as the twin's control plane takes it: `_id` (which Cosmos DB needs listed) left to the collection, fields ascending. */
function twinIndexes(indexes: ArmIndex[]): CollectionDeclaration['indexes'] {
  return indexes
    .filter((index) => !(index.key?.keys?.length === 1 && index.key.keys[0] === '_id'))
    .map((index) => ({
      key: Object.fromEntries((index.key?.keys ?? []).map((field) => [field, 1 as const])),
      ...(index.options?.unique === true ? { unique: true } : {}),
      ...(index.options?.expireAfterSeconds !== undefined ? { expireAfterSeconds: index.options.expireAfterSeconds } : {}),
    }));
}

function shardKey(collection: DeclaredResource): string | undefined {
  const declared = at(collection.inputs, 'resource.shardKey') as Record<string, string> | undefined;
  const fields = Object.entries(declared ?? {});
  if (fields.length > 1 || fields.some(([, kind]) => kind !== 'Hash')) throw new DeclarationError(`collection ${collection.name} declares a shard key the twin does not know (${JSON.stringify(declared)})`);
  return fields[0]?.[0];
}

/** What the account's public endpoint admits: its IP and VNet rules; undefined when it admits every address. */
function publicSources(lookup: DeclaredLookup, account: DeclaredResource): string[] | undefined {
  if (account.inputs.publicNetworkAccess === 'Disabled') return [];
  const ipRanges = ((account.inputs.ipRules as { ipAddressOrRange?: string }[] | undefined) ?? []).map((rule) => String(rule.ipAddressOrRange));
  if (account.inputs.isVirtualNetworkFilterEnabled !== true) return ipRanges.length > 0 ? ipRanges : undefined;
  const subnets = ((account.inputs.virtualNetworkRules as Record<string, unknown>[] | undefined) ?? []).map((rule) =>
    admittedRange(lookup, rule, 'Microsoft.AzureCosmosDB', 'ignoreMissingVNetServiceEndpoint', `account ${account.name}'s network rules`),
  );
  return [...subnets, ...ipRanges];
}

/** One twin per declared Cosmos DB for MongoDB account, with its databases and collections. */
export function accountTopologies(lookup: DeclaredLookup): AccountTopology[] {
  return lookup.ofType(ACCOUNT).map((account) => {
    const name = text(account.inputs.accountName) ?? account.name;
    if (account.inputs.kind !== 'MongoDB' || !((account.inputs.capabilities as { name?: string }[] | undefined) ?? []).some((c) => c.name === 'EnableMongo')) {
      throw new DeclarationError(`account ${account.name} is not a Cosmos DB for MongoDB account (kind MongoDB, capability EnableMongo), the only kind the twin imitates`);
    }
    const databases = lookup
      .ofType('azure-native:cosmosdb:MongoDBResourceMongoDBDatabase')
      .filter((database) => database.inputs.accountName === name)
      .map((database) => {
        const databaseName = String(database.inputs.databaseName);
        const collections = lookup
          .ofType('azure-native:cosmosdb:MongoDBResourceMongoDBCollection')
          .filter((collection) => collection.inputs.accountName === name && collection.inputs.databaseName === databaseName)
          .map((collection) => {
            const key = shardKey(collection);
            return {
              name: String(collection.inputs.collectionName),
              ...(key !== undefined ? { shardKey: key } : {}),
              indexes: twinIndexes((at(collection.inputs, 'resource.indexes') as ArmIndex[] | undefined) ?? []),
            };
          });
        return { name: databaseName, collections };
      });
    const open = publicSources(lookup, account);
    const paths = privatePaths(lookup, account.id, `account ${account.name}'s private endpoints`);
    return {
      key: resourceKey(account),
      process: lookup.componentName(account),
      name,
      ...(open !== undefined ? { allowedSources: [...new Set([...open, ...paths.flatMap((path) => path.ranges)])], publicSources: open } : {}),
      privatePaths: paths,
      keyBasedMetadataWriteAccess: account.inputs.disableKeyBasedMetadataWriteAccess !== true,
      continuousBackup: at(account.inputs, 'backupPolicy.type') === 'Continuous',
      serverVersion: text(at(account.inputs, 'apiProperties.serverVersion')) ?? '',
      databases,
    };
  });
}
