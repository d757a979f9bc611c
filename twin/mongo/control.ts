import { createCollectionWith, replaceIndexes } from './cosmos/collection-admin';
import { CommandError, ErrorCode } from './errors';
import { normalizeIndexSpec, type IndexKey, type IndexSpec } from './indexes';
import type { Storage } from './storage';

/** An index as a management request declares it; the name defaults to MongoDB's (`a_1_b_-1`). */
export interface IndexDeclaration {
  key: IndexKey;
  name?: string;
  unique?: boolean;
  expireAfterSeconds?: number;
}

export interface CollectionDeclaration {
  name: string;
  /** Hash-sharded on this path. */
  shardKey?: string;
  /** Beyond `_id`, which every collection has. */
  indexes?: readonly IndexDeclaration[];
}

export interface CollectionDescription {
  name: string;
  shardKey?: string;
  indexes: IndexSpec[];
}

/**
 * The account's control plane, as Azure Resource Manager is for a Cosmos DB account: reachable only
 * in process, never over the wire, so it is not bound by `keyBasedMetadataWriteAccess`. Cosmos DB's
 * index rules hold here as on the wire, with one difference the service has too: unique indexes are
 * taken when a collection is created with them.
 */
export interface TwinControl {
  /** Creates the collection with its shard key and indexes, or brings an existing one's indexes to these (an ARM PUT). */
  createCollection(db: string, declaration: CollectionDeclaration): Promise<void>;
  listCollections(db: string): CollectionDescription[];
  deleteCollection(db: string, name: string): Promise<void>;
}

function defaultName(key: IndexKey): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');
}

function specOf(declaration: IndexDeclaration): IndexSpec {
  return normalizeIndexSpec({ ...declaration, name: declaration.name ?? defaultName(declaration.key) });
}

export function twinControl(storage: Storage, continuousBackup: boolean): TwinControl {
  return {
    async createCollection(db, declaration) {
      const indexes = (declaration.indexes ?? []).map(specOf);
      const existing = storage.collection(db, declaration.name);
      if (!existing) {
        await createCollectionWith(storage, db, { name: declaration.name, shardKey: declaration.shardKey, indexes });
        return;
      }
      if (existing.shardKey !== declaration.shardKey) {
        throw new CommandError(ErrorCode.BadValue, `the shard key of ${existing.ns} is ${existing.shardKey ?? 'not set'} and cannot be changed`);
      }
      await replaceIndexes(storage, existing, indexes, 'later', continuousBackup);
    },

    listCollections(db) {
      return storage.collections(db).map((collection) => {
        const description: CollectionDescription = { name: collection.name, indexes: collection.indexSpecs().map((spec) => ({ ...spec })) };
        if (collection.shardKey !== undefined) description.shardKey = collection.shardKey;
        return description;
      });
    },

    async deleteCollection(db, name) {
      if (!storage.collection(db, name)) return;
      const batch = storage.beginWrite();
      batch.dropCollection(db, name);
      await batch.commit();
    },
  };
}
