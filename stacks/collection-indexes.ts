import type * as inputs from '@pulumi/azure-native/types/input';
import type { CollectionDeclaration, IndexDeclaration } from '../contracts/collections';

/** A collection declaration Cosmos DB for MongoDB would refuse, caught before anything is sent. */
export class CollectionDeclarationError extends Error {
  constructor(collection: string, index: string, reason: string) {
    super(`collection ${collection}, index ${index}: ${reason}`);
    this.name = 'CollectionDeclarationError';
  }
}

/** Cosmos DB's rules for an index (docs/azure-behaviour.md), checked so a refusal shows at preview, not halfway through an up. */
function validate(collection: CollectionDeclaration, index: IndexDeclaration): void {
  const refuse = (reason: string) => new CollectionDeclarationError(collection.name, index.name, reason);
  if (index.keys.length === 0) throw refuse('an index needs at least one field');
  if (index.expireAfterSeconds !== undefined && (index.keys.length !== 1 || index.keys[0] !== '_ts')) {
    throw refuse('a TTL index must be on _ts alone');
  }
  const nested = index.keys.some((key) => key.includes('.'));
  if (nested && (index.keys.length > 1 || index.unique === true)) throw refuse('compound and unique indexes cannot use nested paths');
  if (index.unique === true && index.keys[0] !== collection.shardKey) throw refuse(`a unique index must lead with the shard key ${collection.shardKey}`);
  if (index.keys.length === 1 && index.keys[0] === '_id') throw refuse('_id is always indexed and is not declared');
}

/**
 * The ARM index list of a collection: `_id` first (Cosmos DB needs it listed, or an update tries to drop
 * it), then every declared index with its options. ARM's MongoIndex carries no name, so Azure names
 * each index itself; the declaration's names are for the apps' start-up check and the twin.
 */
export function armIndexes(collection: CollectionDeclaration): inputs.cosmosdb.MongoIndexArgs[] {
  const indexes: inputs.cosmosdb.MongoIndexArgs[] = [{ key: { keys: ['_id'] } }];
  for (const index of collection.indexes) {
    validate(collection, index);
    const options: inputs.cosmosdb.MongoIndexOptionsArgs = {
      ...(index.unique === true ? { unique: true } : {}),
      ...(index.expireAfterSeconds !== undefined ? { expireAfterSeconds: index.expireAfterSeconds } : {}),
    };
    indexes.push({ key: { keys: [...index.keys] }, ...(Object.keys(options).length > 0 ? { options } : {}) });
  }
  return indexes;
}
