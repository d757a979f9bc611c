import * as pulumi from '@pulumi/pulumi';
import * as cosmosdb from '@pulumi/azure-native/cosmosdb';
import { MONGODB_SERVER_VERSION, type DatabaseDeclaration } from '../../contracts/collections';
import { armIndexes } from '../collection-indexes';
import type { CosmosThroughputMode } from '../config';
import type { Placement } from './placement';

export interface DataArgs extends Placement {
  accountName: pulumi.Input<string>;
  throughputMode: CosmosThroughputMode;
  maxThroughput: number;
  /** One copy in each of the region's availability zones (settable only when the account is created). */
  zoneRedundant: boolean;
  /** The databases of contracts/collections.ts this account holds, each collection with its indexes. */
  databases: readonly DatabaseDeclaration[];
  /** Refuse to delete or replace the account, its databases and collections (Pulumi's `protect`). */
  protect: boolean;
}

/**
 * One Cosmos DB for MongoDB account with its public endpoint disabled: reachable only through its
 * private endpoint (PrivateLink), whose subnet's NSG admits the one app it serves. TLS 1.2, continuous backup. Account keys stay enabled: the MongoDB wire protocol
 * authenticates with them; apps receive them only through Key Vault references (see docs/deploy.md).
 * The key opens every database of the account, so each app's data gets an account of its own.
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
        // The apps' driver needs MongoDB 4.4 or newer; an account at 4.2 would refuse every connection.
        apiProperties: { serverVersion: MONGODB_SERVER_VERSION },
        capabilities: [{ name: 'EnableMongo' }, ...(serverless ? [{ name: 'EnableServerless' }] : [])],
        consistencyPolicy: { defaultConsistencyLevel: 'Session' },
        locations: [{ locationName: args.location, failoverPriority: 0, isZoneRedundant: args.zoneRedundant }],
        backupPolicy: { type: 'Continuous', continuousModeProperties: { tier: 'Continuous7Days' } },
        minimalTlsVersion: 'Tls12',
        // Only the private endpoint reaches the account.
        publicNetworkAccess: 'Disabled',
        ipRules: [],
        networkAclBypass: 'None',
        // Collections and indexes change only through ARM (this stack): a client holding the account key,
        // i.e. an app, cannot create, drop or re-index them. The apps only check at start that they exist.
        disableKeyBasedMetadataWriteAccess: true,
      },
      { parent: this, protect: args.protect },
    );

    for (const database of args.databases) {
      const db = new cosmosdb.MongoDBResourceMongoDBDatabase(
        `${name}-${database.name}-db`,
        {
          resourceGroupName: args.resourceGroupName,
          accountName: account.name,
          tags: args.tags,
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
            tags: args.tags,
            collectionName: collection.name,
            resource: {
              id: collection.name,
              shardKey: { [collection.shardKey]: 'Hash' },
              // Every index, unique ones included, is sent with the collection: a unique index can only be
              // created with it (continuous backup). ARM replaces the whole list on each PUT, which keeps
              // Azure in step with contracts/collections.ts.
              indexes: armIndexes(collection),
            },
            options: {},
          },
          { parent: this, protect: args.protect },
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
