import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { startTwinServer, type TwinServer } from '../../../../twin/mongo/server';

/**
 * The database the contract suite runs against: the twin (default) or, when
 * MONGODB_URI is set, a real MongoDB. Tests ask for fresh databases and never
 * assume which one they got, except through `twinOnly`.
 */
export interface MongoTarget {
  kind: 'twin' | 'external';
  uri: string;
  /** Present only when the target is the twin. */
  twin?: TwinServer;
  client: MongoClient;
  /** A database no other test uses; dropped by close(). */
  freshDb(): Db;
  connect(options?: MongoClientOptions): Promise<MongoClient>;
  close(): Promise<void>;
}

export const externalUri = process.env.MONGODB_URI;

/** Declares a suite that only makes sense against the twin (fault injection, crash recovery). */
export const describeTwinOnly: Mocha.SuiteFunction | Mocha.PendingSuiteFunction = externalUri ? describe.skip : describe;

export async function startTarget(): Promise<MongoTarget> {
  let dir: string | undefined;
  let twin: TwinServer | undefined;
  let uri: string;
  if (externalUri) {
    uri = externalUri;
  } else {
    dir = await mkdtemp(join(tmpdir(), 'mongo-twin-contract-'));
    twin = await startTwinServer({ dir });
    uri = twin.uri;
  }
  const clients: MongoClient[] = [];
  const connect = async (options: MongoClientOptions = {}): Promise<MongoClient> => {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, ...options });
    await client.connect();
    clients.push(client);
    return client;
  };
  const client = await connect();
  const prefix = `contract_${randomBytes(3).toString('hex')}`;
  const used: string[] = [];
  return {
    kind: twin ? 'twin' : 'external',
    uri,
    twin,
    client,
    connect,
    freshDb: () => {
      const name = `${prefix}_${used.length}`;
      used.push(name);
      return client.db(name);
    },
    close: async () => {
      for (const name of used) await client.db(name).dropDatabase();
      for (const each of clients) await each.close();
      await twin?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The target for one suite: started before it, closed after it, with a fresh database for each test. */
export function useTarget(): { readonly target: MongoTarget; readonly db: Db } {
  let target: MongoTarget | undefined;
  let db: Db | undefined;
  before(async () => {
    target = await startTarget();
  });
  after(async () => {
    await target?.close();
  });
  beforeEach(() => {
    db = target!.freshDb();
  });
  return {
    get target() {
      return target!;
    },
    get db() {
      return db!;
    },
  };
}
