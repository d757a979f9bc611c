import { deserialize, serialize, calculateObjectSize, type Document } from 'bson';
import { Collection, valueAtPath, type CollectionRules, type CollectionSettings } from './collection';
import { CommandError, ErrorCode } from './errors';
import type { IndexSpec } from './indexes';

/** One logical change, as written to the journal and replayed on start. */
export type JournalOp =
  | { op: 'put'; db: string; coll: string; doc: Document; ts?: number }
  | { op: 'delete'; db: string; coll: string; id: unknown; shard?: unknown }
  | { op: 'createCollection'; db: string; coll: string; options: Document; settings?: CollectionSettings }
  | { op: 'collectionSettings'; db: string; coll: string; settings: CollectionSettings }
  | { op: 'dropCollection'; db: string; coll: string }
  | { op: 'createIndex'; db: string; coll: string; spec: IndexSpec }
  | { op: 'dropIndex'; db: string; coll: string; name: string }
  | { op: 'dropDatabase'; db: string };

/** Where committed changes go: resolves once they are durable. */
export type CommitSink = (payload: Uint8Array) => Promise<void>;

const SNAPSHOT_RECORD_BYTES = 4 * 1024 * 1024;

/**
 * All databases and collections in memory. Every change goes through a
 * {@link WriteBatch}, which applies it at once and records it; the batch's
 * `commit()` resolves when its record is durable, and only then does a command answer.
 */
export class Storage {
  private readonly databases = new Map<string, Map<string, Collection>>();
  private sink: CommitSink = () => Promise.resolve();

  constructor(
    private readonly rules: CollectionRules,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Now, in the epoch seconds of Cosmos DB's `_ts`. */
  nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  attach(sink: CommitSink): void {
    this.sink = sink;
  }

  collection(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  collections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  databaseNames(): string[] {
    return [...this.databases.keys()];
  }

  beginWrite(): WriteBatch {
    return new WriteBatch(this, (ops) => this.sink(serialize({ ops })));
  }

  /** Re-applies one journal record (a list of ops) during recovery. */
  replay(record: Uint8Array): void {
    const { ops } = deserialize(record) as { ops: JournalOp[] };
    for (const op of ops) this.apply(op);
  }

  /** The whole state as journal records, for compaction. */
  *snapshot(): Generator<Uint8Array> {
    for (const [db, collections] of this.databases) {
      for (const collection of collections.values()) {
        const header: JournalOp[] = [{ op: 'createCollection', db, coll: collection.name, options: collection.options, settings: collection.settings }];
        for (const spec of collection.indexSpecs().slice(1)) header.push({ op: 'createIndex', db, coll: collection.name, spec });
        yield serialize({ ops: header });
        let chunk: JournalOp[] = [];
        let bytes = 0;
        for (const doc of collection.all()) {
          chunk.push({ op: 'put', db, coll: collection.name, doc, ts: collection.writtenAtOf(doc) });
          bytes += calculateObjectSize(doc);
          if (bytes >= SNAPSHOT_RECORD_BYTES) {
            yield serialize({ ops: chunk });
            chunk = [];
            bytes = 0;
          }
        }
        if (chunk.length > 0) yield serialize({ ops: chunk });
      }
    }
  }

  /** Applies an op to memory; the op has been validated (or comes from the journal). */
  apply(op: JournalOp): void {
    switch (op.op) {
      case 'put':
        // A record from before write times were journaled counts as written now.
        this.ensure(op.db, op.coll, {}).put(op.doc, op.ts ?? this.nowSeconds());
        return;
      case 'delete': {
        const collection = this.collection(op.db, op.coll);
        collection?.removeKey(collection.keyFor(op.id, op.shard));
        return;
      }
      case 'createCollection':
        this.ensure(op.db, op.coll, op.options, op.settings);
        return;
      case 'collectionSettings': {
        const collection = this.collection(op.db, op.coll);
        if (collection) Object.assign(collection.settings, op.settings);
        return;
      }
      case 'dropCollection': {
        const collections = this.databases.get(op.db);
        collections?.delete(op.coll);
        if (collections?.size === 0) this.databases.delete(op.db);
        return;
      }
      case 'createIndex':
        this.ensure(op.db, op.coll, {}).addIndex(op.spec);
        return;
      case 'dropIndex':
        this.collection(op.db, op.coll)?.dropIndex(op.name);
        return;
      case 'dropDatabase':
        this.databases.delete(op.db);
        return;
    }
  }

  private ensure(db: string, name: string, options: Document, settings: CollectionSettings = {}): Collection {
    let collections = this.databases.get(db);
    if (!collections) {
      collections = new Map();
      this.databases.set(db, collections);
    }
    let collection = collections.get(name);
    if (!collection) {
      collection = new Collection(db, name, options, { ...settings }, this.rules, () => this.nowSeconds());
      collections.set(name, collection);
    }
    return collection;
  }
}

/**
 * The changes of one command. Each method validates, applies to memory and
 * records the op; `commit()` makes them durable as one journal record.
 */
export class WriteBatch {
  private readonly ops: JournalOp[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly sink: (ops: JournalOp[]) => Promise<void>,
  ) {}

  /** The collection, created implicitly (as MongoDB does on first write) when missing. */
  collection(db: string, name: string): Collection {
    const existing = this.storage.collection(db, name);
    if (existing) return existing;
    this.createCollection(db, name, {});
    return this.storage.collection(db, name)!;
  }

  createCollection(db: string, name: string, options: Document, settings?: CollectionSettings): void {
    validateNamespace(db, name);
    this.record(settings ? { op: 'createCollection', db, coll: name, options, settings } : { op: 'createCollection', db, coll: name, options });
  }

  changeSettings(collection: Collection, settings: CollectionSettings): void {
    this.record({ op: 'collectionSettings', db: collection.db, coll: collection.name, settings });
  }

  insert(collection: Collection, doc: Document): void {
    collection.checkNew(doc);
    const ts = this.storage.nowSeconds();
    collection.insert(doc, ts);
    this.ops.push({ op: 'put', db: collection.db, coll: collection.name, doc, ts });
  }

  replace(collection: Collection, current: Document, next: Document): void {
    collection.checkReplacement(current, next);
    const ts = this.storage.nowSeconds();
    collection.replace(current, next, ts);
    this.ops.push({ op: 'put', db: collection.db, coll: collection.name, doc: next, ts });
  }

  remove(collection: Collection, doc: Document): void {
    collection.remove(doc);
    const op: JournalOp = { op: 'delete', db: collection.db, coll: collection.name, id: doc._id as unknown };
    if (collection.shardKey !== undefined) op.shard = valueAtPath(doc, collection.shardKey);
    this.ops.push(op);
  }

  dropCollection(db: string, name: string): void {
    this.record({ op: 'dropCollection', db, coll: name });
  }

  createIndex(collection: Collection, spec: IndexSpec): void {
    collection.addIndex(spec);
    this.ops.push({ op: 'createIndex', db: collection.db, coll: collection.name, spec });
  }

  dropIndex(collection: Collection, name: string): void {
    collection.dropIndex(name);
    this.ops.push({ op: 'dropIndex', db: collection.db, coll: collection.name, name });
  }

  dropDatabase(db: string): void {
    this.record({ op: 'dropDatabase', db });
  }

  commit(): Promise<void> {
    return this.ops.length === 0 ? Promise.resolve() : this.sink(this.ops);
  }

  private record(op: JournalOp): void {
    this.storage.apply(op);
    this.ops.push(op);
  }
}

const INVALID_DB_CHARS = /[/\\. "$\0]/;

export function validateNamespace(db: string, collection: string): void {
  if (db === '' || db.length > 63 || INVALID_DB_CHARS.test(db)) {
    throw new CommandError(ErrorCode.InvalidNamespace, `Invalid database name: '${db}'`);
  }
  if (collection === '' || collection.includes('$') || collection.includes('\0') || collection.startsWith('.')) {
    throw new CommandError(ErrorCode.InvalidNamespace, `Invalid collection name: ${collection}`);
  }
}
