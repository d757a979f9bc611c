import * as pulumi from '@pulumi/pulumi';
import * as cosmosdb from '@pulumi/azure-native/cosmosdb';
import type * as inputs from '@pulumi/azure-native/types/input';
import type { CosmosThroughputMode } from '../config';
import type { Placement } from './placement';

export interface CollectionSpec {
  name: string;
  shardKey: string;
  /** Extra indexes; each entry is one (possibly compound) index. `_id` is always added. */
  indexes?: string[][];
  /** Documents expire this many seconds after their last write (Cosmos DB TTL works on `_ts` only). */
  ttlSeconds?: number;
}

export interface DatabaseSpec {
  name: string;
  collections: CollectionSpec[];
}

export interface DataArgs extends Placement {
  accountName: pulumi.Input<string>;
  throughputMode: CosmosThroughputMode;
  maxThroughput: number;
  /** Subnets allowed through the account's VNet filter; nothing else may connect. */
  allowedSubnetIds: pulumi.Input<string>[];
  databases: DatabaseSpec[];
  /** Refuse to delete or replace the account, its databases and collections (Pulumi's `protect`). */
  protect: boolean;
}

/** The collections of docs/interfaces.md, one database per app. */
export const patientRecordsDatabases: DatabaseSpec[] = [
  {
    name: 'patients',
    collections: [
      { name: 'patients', shardKey: 'id', indexes: [['id']] },
      { name: 'tests', shardKey: 'patientId', indexes: [['patientId']] },
      { name: 'idempotency', shardKey: 'key', indexes: [['key']], ttlSeconds: 86400 },
    ],
  },
  {
    name: 'audit',
    collections: [{ name: 'audits', shardKey: 'resourceId', indexes: [['resourceId'], ['resourceId', 'createdDate']] }],
  },
];

function collectionIndexes(spec: CollectionSpec): inputs.cosmosdb.MongoIndexArgs[] {
  // Cosmos DB requires the `_id` index to be listed, or every update tries to drop it.
  const indexes: inputs.cosmosdb.MongoIndexArgs[] = [{ key: { keys: ['_id'] } }];
  for (const keys of spec.indexes ?? []) indexes.push({ key: { keys } });
  if (spec.ttlSeconds !== undefined) indexes.push({ key: { keys: ['_ts'] }, options: { expireAfterSeconds: spec.ttlSeconds } });
  return indexes;
}

/**
 * Cosmos DB for MongoDB reachable only from the two app subnets (service endpoints + VNet filter, no IP
 * rules), TLS 1.2, continuous backup. Account keys stay enabled: the MongoDB wire protocol authenticates
 * with them; apps receive them only through Key Vault references (see docs/deploy.md).
 */
export class Data extends pulumi.ComponentResource {
  readonly accountName: pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
  /** The primary MongoDB connection string, as a Pulumi secret. */
  readonly connectionString: pulumi.Output<string>;

  constructor(name: string, args: DataArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:data:Data', name, {}, opts);
    const serverless = args.throughputMode === 'serverless';

    const account = new cosmosdb.DatabaseAccount(
      `${name}-account`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
        accountName: args.accountName,
        kind: 'MongoDB',
        databaseAccountOfferType: 'Standard',
        apiProperties: { serverVersion: '4.2' },
        capabilities: [{ name: 'EnableMongo' }, ...(serverless ? [{ name: 'EnableServerless' }] : [])],
        consistencyPolicy: { defaultConsistencyLevel: 'Session' },
        locations: [{ locationName: args.location, failoverPriority: 0, isZoneRedundant: false }],
        backupPolicy: { type: 'Continuous', continuousModeProperties: { tier: 'Continuous7Days' } },
        minimalTlsVersion: 'Tls12',
        // Service endpoints reach the account's public endpoint; the VNet filter with no IP rules
        // restricts that endpoint to the listed subnets.
        publicNetworkAccess: 'Enabled',
        isVirtualNetworkFilterEnabled: true,
        virtualNetworkRules: args.allowedSubnetIds.map((id) => ({ id, ignoreMissingVNetServiceEndpoint: false })),
        ipRules: [],
        networkAclBypass: 'None',
      },
      { parent: this, protect: args.protect },
    );

    for (const database of args.databases) {
      const db = new cosmosdb.MongoDBResourceMongoDBDatabase(
        `${name}-${database.name}-db`,
        {
          resourceGroupName: args.resourceGroupName,
          accountName: account.name,
          databaseName: database.name,
          resource: { id: database.name },
          options: serverless ? {} : { autoscaleSettings: { maxThroughput: args.maxThroughput } },
        },
        { parent: this, protect: args.protect },
      );
      for (const collection of database.collections) {
        new cosmosdb.MongoDBResourceMongoDBCollection(
          `${name}-${database.name}-${collection.name}`,
          {
            resourceGroupName: args.resourceGroupName,
            accountName: account.name,
            databaseName: db.name,
            collectionName: collection.name,
            resource: {
              id: collection.name,
              shardKey: { [collection.shardKey]: 'Hash' },
              indexes: collectionIndexes(collection),
            },
            options: {},
          },
          // The apps create the secondary indexes their queries need, next to those queries, when they first
          // connect. ARM replaces a collection's whole index list on every PUT, so the stack declares the
          // indexes once and never resets them (that would drop the apps' indexes).
          { parent: this, protect: args.protect, ignoreChanges: ['resource.indexes'] },
        );
      }
    }

    const connectionStrings = cosmosdb.listDatabaseAccountConnectionStringsOutput(
      { resourceGroupName: args.resourceGroupName, accountName: account.name },
      { parent: this },
    );
    this.accountName = account.name;
    this.accountId = account.id;
    this.connectionString = pulumi.secret(
      connectionStrings.apply((result) => {
        const primary = result.connectionStrings?.find((entry) => /primary mongodb/i.test(entry.description ?? ''));
        const value = primary?.connectionString ?? result.connectionStrings?.[0]?.connectionString;
        if (!value) throw new Error('the Cosmos DB account returned no MongoDB connection string');
        return value;
      }),
    );
    this.registerOutputs({ accountName: this.accountName, accountId: this.accountId });
  }
}
