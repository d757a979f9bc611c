import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { DatabaseNotPreparedError } from './database-check';
import type { RequestLog } from './request-log';

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

export interface MongoConnectionOptions {
  /** Read at connect time, so a refreshed Key Vault reference is used by the next client. */
  uri: () => string | undefined;
  /** Names the setting in errors; the URI itself is never put in an error or log. */
  uriSettingName: string;
  dbName: string;
  clientOptions?: MongoClientOptions;
  /** Runs once per process after the first successful connect: checks that the declared collections and indexes exist. */
  prepare?: (db: Db) => Promise<void>;
}

/**
 * The process's one MongoClient, created by the app factory outside the handlers and
 * connected on first use. A failed connect (or failed preparation) throws the client away,
 * so the next request builds a new one instead of failing forever.
 */
export class MongoConnection {
  private pending: Promise<{ client: MongoClient; db: Db }> | undefined;

  constructor(private readonly options: MongoConnectionOptions) {}

  async db(): Promise<Db> {
    this.pending ??= this.connect();
    const attempt = this.pending;
    try {
      return (await attempt).db;
    } catch (error) {
      if (this.pending === attempt) this.pending = undefined;
      throw error;
    }
  }

  /** Connects now (preparing the database), and logs whether it is ready or what is missing; never throws. */
  async check(database: string, log: Pick<RequestLog, 'databaseCheck'>): Promise<boolean> {
    try {
      await this.db();
      log.databaseCheck(database, undefined);
      return true;
    } catch (error) {
      log.databaseCheck(database, error instanceof Error ? error.message : 'unknown error');
      return false;
    }
  }

  async close(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    try {
      const { client } = await pending;
      await client.close();
    } catch {
      // A connection that never opened has nothing to close.
    }
  }

  private async connect(): Promise<{ client: MongoClient; db: Db }> {
    const uri = this.options.uri();
    if (uri === undefined || uri.trim() === '') {
      throw new DatabaseUnavailableError(`App setting ${this.options.uriSettingName} is not set`);
    }
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: 5000,
      connectTimeoutMS: 5000,
      appName: this.options.dbName,
      // Cosmos DB for MongoDB refuses retryable writes; idempotent operations are retried by DatabaseOperations instead.
      retryWrites: false,
      ...this.options.clientOptions,
    });
    try {
      await client.connect();
      const db = client.db(this.options.dbName);
      if (this.options.prepare !== undefined) await this.options.prepare(db);
      return { client, db };
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new DatabaseUnavailableError(`Could not connect to the database (${describe(error)})`);
    }
  }
}

/** The error's class only (driver messages may carry addresses or data), except the check's list of missing names. */
function describe(error: unknown): string {
  if (error instanceof DatabaseNotPreparedError) return error.message;
  return error instanceof Error ? error.name : 'unknown error';
}
