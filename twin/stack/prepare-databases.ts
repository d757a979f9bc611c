import { MongoClient } from 'mongodb';
import type { DatabaseDeclaration } from '../../contracts/collections';

/**
 * Creates the declared collections and indexes that are not there yet, as the stack's ARM
 * resources do in Azure (the apps only check for them). Safe to run on every start.
 */
export async function prepareDatabase(uri: string, declaration: DatabaseDeclaration): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, retryWrites: false });
  try {
    await client.connect();
    const db = client.db(declaration.name);
    const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((collection) => collection.name));
    for (const collection of declaration.collections) {
      if (!existing.has(collection.name)) await db.createCollection(collection.name);
      for (const index of collection.indexes) {
        await db.collection(collection.name).createIndex(Object.fromEntries(index.keys.map((field) => [field, 1])), {
          name: index.name,
          ...(index.unique ? { unique: true } : {}),
          ...(index.expireAfterSeconds !== undefined ? { expireAfterSeconds: index.expireAfterSeconds } : {}),
        });
      }
    }
  } finally {
    await client.close();
  }
}
