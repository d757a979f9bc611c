import type { CollectionDeclaration as DeclaredCollection, DatabaseDeclaration } from '../../contracts/collections';
import type { CollectionDeclaration, TwinControl } from './control';

/** A collection of contracts/collections.ts as ARM's MongoDB collection resource declares it (ascending keys). */
export function armCollection(collection: DeclaredCollection): CollectionDeclaration {
  return {
    name: collection.name,
    shardKey: collection.shardKey,
    indexes: collection.indexes.map((index) => ({
      name: index.name,
      key: Object.fromEntries(index.keys.map((field) => [field, 1 as const])),
      ...(index.unique ? { unique: true } : {}),
      ...(index.expireAfterSeconds !== undefined ? { expireAfterSeconds: index.expireAfterSeconds } : {}),
    })),
  };
}

/** What the stack's collection resources do through ARM: each declared collection created (or brought in step) with its shard key and indexes. */
export async function createDeclaredCollections(control: TwinControl, declaration: DatabaseDeclaration, databaseName = declaration.name): Promise<void> {
  for (const collection of declaration.collections) await control.createCollection(databaseName, armCollection(collection));
}
