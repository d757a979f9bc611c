import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import type { DatabaseDeclaration } from '../../../contracts/collections';
import { startMongoTwin, type MongoTwin } from '../../../twin/mongo/index';
import { createDeclaredCollections } from '../../../twin/mongo';

/**
 * A Cosmos DB account twin as the stack declares one (continuous backup, key-based metadata
 * writes off, an account key) on an ephemeral loopback port with its own temp directory, plus
 * a client to read it directly.
 */
export interface TwinFixture {
  twin: MongoTwin;
  uri: string;
  /** Reads the database behind the app's back, to assert what was (not) written. */
  db(name: string): Db;
  /** Creates a database's declared collections and indexes under `name`, as the stack does in Azure. */
  prepare(declaration: DatabaseDeclaration, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTwinFixture(): Promise<TwinFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'functions-twin-'));
  const twin = await startMongoTwin({
    dir,
    port: 0,
    continuousBackup: true,
    keyBasedMetadataWriteAccess: false,
    credentials: { username: 'functions-tests', password: randomBytes(24).toString('base64') },
  });
  const inspector = new MongoClient(twin.uri, { serverSelectionTimeoutMS: 2000 });
  await inspector.connect();
  return {
    twin,
    uri: twin.uri,
    db: (name) => inspector.db(name),
    prepare: (declaration, name) => createDeclaredCollections(twin.control, declaration, name),
    async close() {
      await inspector.close();
      await twin.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
