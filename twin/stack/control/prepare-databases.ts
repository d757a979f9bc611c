import { MongoClient } from 'mongodb';
import type { AccountTopology } from '../topology';

/**
 * For an external database (MONGODB_URI and the like) instead of an account twin: creates the
 * declared collections and indexes that are not there yet, as the stack's ARM resources do in
 * Azure (the apps only check for them), through the driver. Safe to run on every start.
 */
export async function prepareExternalDatabases(uri: string, databases: AccountTopology['databases']): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, retryWrites: false });
  try {
    await client.connect();
    for (const database of databases) {
      const db = client.db(database.name);
      const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((collection) => collection.name));
      for (const collection of database.collections) {
        if (!existing.has(collection.name)) await db.createCollection(collection.name);
        for (const index of collection.indexes ?? []) {
          await db.collection(collection.name).createIndex(index.key as Record<string, 1 | -1>, {
            ...(index.unique ? { unique: true } : {}),
            ...(index.expireAfterSeconds !== undefined ? { expireAfterSeconds: index.expireAfterSeconds } : {}),
          });
        }
      }
    }
  } finally {
    await client.close();
  }
}
