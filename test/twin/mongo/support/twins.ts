import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type MongoClientOptions } from 'mongodb';
import { startTwinServer, type TwinServer, type TwinServerOptions } from '../../../../twin/mongo/server';

/**
 * Twins started with their own options (accounts, clocks), each in a temporary directory, and the
 * clients opened on them; `closeAll()` (in afterEach) closes and removes everything.
 */
export interface TwinPool {
  start(options?: Partial<TwinServerOptions>): Promise<TwinServer>;
  /** A client on `uri` (default: the twin's own), not yet connected. */
  client(uri: string, options?: MongoClientOptions): MongoClient;
  closeAll(): Promise<void>;
}

export function twinPool(): TwinPool {
  const twins: { twin: TwinServer; dir: string }[] = [];
  const clients: MongoClient[] = [];
  return {
    async start(options = {}) {
      const dir = await mkdtemp(join(tmpdir(), 'mongo-twin-account-'));
      try {
        const twin = await startTwinServer({ ...options, dir });
        twins.push({ twin, dir });
        return twin;
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    },
    client(uri, options = {}) {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3000, ...options });
      clients.push(client);
      return client;
    },
    async closeAll() {
      for (const client of clients.splice(0)) await client.close();
      for (const { twin, dir } of twins.splice(0)) {
        await twin.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
