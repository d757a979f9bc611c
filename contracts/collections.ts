/**
 * Every database, collection, shard key and index, declared once. The stack creates each
 * collection with its indexes (Cosmos DB for MongoDB takes unique indexes only at creation, and
 * the twin refuses them later too); the apps check at start that what they need exists, and the
 * local stack loads the same declaration into the twin.
 *
 * Cosmos DB's rules shape these (docs/azure-behaviour.md): a sort needs an index whose fields
 * match it exactly (`_id` is always indexed), no compound index on nested paths, TTL only on `_ts`.
 */

/**
 * The MongoDB server version the Cosmos DB accounts are declared with. The apps' driver (mongodb
 * 7.x) refuses servers older than MongoDB 4.4 (wire version 9), so an account left at 4.2 would
 * accept no connection.
 */
export const MONGODB_SERVER_VERSION = '7.0';

/** One index: fields ascending (the only direction ARM's MongoIndex declares). */
export interface IndexDeclaration {
  name: string;
  keys: readonly string[];
  unique?: boolean;
  /** A TTL index: Cosmos DB accepts one only on `_ts`, the time of the last write. */
  expireAfterSeconds?: number;
}

export interface CollectionDeclaration {
  name: string;
  /** Hash-sharded on this field; `_id` is unique per shard key value. */
  shardKey: string;
  /** Beyond `_id`, which every collection has. */
  indexes: readonly IndexDeclaration[];
}

/** Which Cosmos DB account a database lives in: each app's data in its own account (docs/design.md, "Data"). */
export type DatabaseAccount = 'patients' | 'audit';

export interface DatabaseDeclaration {
  name: string;
  account: DatabaseAccount;
  collections: readonly CollectionDeclaration[];
}

/** Idempotency replays live a day after their last write. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export const PATIENTS_DATABASE = {
  name: 'patients',
  account: 'patients',
  collections: [
    {
      name: 'patients',
      shardKey: 'id',
      indexes: [
        { name: 'lastName', keys: ['lastName'] },
        { name: 'postCode', keys: ['postCode'] },
        { name: 'insuranceNumber', keys: ['insuranceNumber'] },
        // Two single-field indexes serve the date-of-birth range filter; a compound index on these nested paths is refused.
        { name: 'dateOfBirthFirst', keys: ['_dateOfBirth.first'] },
        { name: 'dateOfBirthLast', keys: ['_dateOfBirth.last'] },
      ],
    },
    // A patient's tests share the partition; the list sorts on exactly these fields.
    { name: 'tests', shardKey: 'patientId', indexes: [{ name: 'created', keys: ['_created', '_id'] }] },
    {
      name: 'idempotency',
      shardKey: 'key',
      indexes: [
        { name: 'patientId', keys: ['patientId'] },
        { name: 'expiry', keys: ['_ts'], expireAfterSeconds: IDEMPOTENCY_TTL_SECONDS },
      ],
    },
  ],
} as const satisfies DatabaseDeclaration;

export const AUDIT_DATABASE = {
  name: 'audit',
  account: 'audit',
  // A resource's records share the partition; the read sorts on exactly these fields.
  collections: [{ name: 'audits', shardKey: 'resourceId', indexes: [{ name: 'created', keys: ['createdDate', '_id'] }] }],
} as const satisfies DatabaseDeclaration;

export const DATABASES: readonly DatabaseDeclaration[] = [PATIENTS_DATABASE, AUDIT_DATABASE];

export function collectionDeclaration(database: DatabaseDeclaration, name: string): CollectionDeclaration {
  const found = database.collections.find((collection) => collection.name === name);
  if (!found) throw new Error(`database ${database.name} declares no collection ${name}`);
  return found;
}
