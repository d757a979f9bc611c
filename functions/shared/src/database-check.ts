import type { Db } from 'mongodb';
import type { DatabaseDeclaration, IndexDeclaration } from '../../../contracts/collections';

/**
 * What an app needs of its database is declared in contracts/collections.ts and created by the
 * stack, with each collection (Cosmos DB takes unique indexes only then). The app never creates
 * or changes collections or indexes itself; it checks at start that they are there.
 */
export class DatabaseNotPreparedError extends Error {
  override readonly name = 'DatabaseNotPreparedError';

  constructor(readonly missing: readonly string[]) {
    // Names from the declaration only: no data, no connection string.
    super(`the database lacks what the app needs: ${missing.join('; ')}`);
  }
}

function describeIndex(index: IndexDeclaration): string {
  return `index ${index.name} (${index.keys.join(', ')})`;
}

/** Finds a declared index by its fields (in order), whatever name the server gave it. */
function hasIndex(present: ReadonlyArray<{ key: Record<string, unknown> }>, wanted: IndexDeclaration): boolean {
  return present.some((index) => {
    const keys = Object.keys(index.key);
    return keys.length === wanted.keys.length && keys.every((key, i) => key === wanted.keys[i]);
  });
}

/** Lists every declared collection or index the database does not have; empty when it has them all. */
export async function findMissing(db: Db, declaration: DatabaseDeclaration): Promise<string[]> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((collection) => collection.name));
  const missing: string[] = [];
  for (const collection of declaration.collections) {
    if (!existing.has(collection.name)) {
      missing.push(`collection ${declaration.name}.${collection.name}`);
      continue;
    }
    const present = await db.collection(collection.name).listIndexes().toArray();
    for (const index of collection.indexes) {
      if (!hasIndex(present as Array<{ key: Record<string, unknown> }>, index)) missing.push(`${declaration.name}.${collection.name} ${describeIndex(index)}`);
    }
  }
  return missing;
}

/** The `prepare` step of an app's connection: throws naming everything missing. */
export function checkDatabase(declaration: DatabaseDeclaration): (db: Db) => Promise<void> {
  return async (db) => {
    const missing = await findMissing(db, declaration);
    if (missing.length > 0) throw new DatabaseNotPreparedError(missing);
  };
}
