import type { Document } from 'bson';
import { CommandError, ErrorCode } from './errors';
import { EqualityIndex, ID_INDEX_NAME, type IndexConflict, type IndexSpec } from './indexes';
import { defaultTtlOf, expiresAt } from './ttl';
import { isEqualityOperand, valueKey } from './value-key';

/** Documents that may match a filter; `exact` when every one of them does (no filtering needed). */
export interface Candidates {
  docs: Iterable<Document>;
  exact: boolean;
}

/** What the database (the profile) decides about every collection's documents. */
export interface CollectionRules {
  /** The error for a second document with the same `_id` (per shard key value) or unique key. */
  duplicateKey(ns: string, conflict: IndexConflict): CommandError;
  /** Refuses a document the database would not store (too large). */
  checkDocument(doc: Document): void;
  /** Whether a TTL index on `_ts` expires documents (Cosmos DB); MongoDB has no `_ts`, so there it is inert. */
  expiresOnTs: boolean;
  /** Whether a sparse index leaves out documents without its fields (MongoDB); Cosmos DB takes the option and ignores it. */
  honoursSparse: boolean;
}

/** A collection's Cosmos DB properties, fixed or changed only through its own commands (and ARM). */
export interface CollectionSettings {
  /** The shard key path: every document carries it, and `_id` is unique per value of it. */
  shardKey?: string;
  offerThroughput?: number;
  maxThroughput?: number;
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: ID_INDEX_NAME };

/** The value at a dotted path through embedded documents (a shard key never goes through arrays). */
export function valueAtPath(doc: Document, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Document)[part];
  }
  return current;
}

/**
 * The documents of one collection, in insertion order, keyed by `_id` (and the shard key value in a
 * sharded collection), with its secondary indexes and each document's last write time (`_ts`,
 * epoch seconds, never shown to clients). Stored documents are never mutated: an update stores a
 * new object, so cursors holding earlier results stay consistent.
 */
export class Collection {
  private readonly docs = new Map<string, Document>();
  /** Each stored version's write time: versions are never mutated, so the object itself is the key. */
  private readonly writtenAt = new WeakMap<Document, number>();
  /** Sharded only: `_id` key to the keys of the documents holding that `_id` (one per shard key value). */
  private readonly byIdKey?: Map<string, Set<string>>;
  private readonly indexes = new Map<string, EqualityIndex>();
  private defaultTtl: number | undefined;

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Document,
    readonly settings: CollectionSettings,
    private readonly rules: CollectionRules,
    private readonly nowSeconds: () => number,
  ) {
    if (settings.shardKey !== undefined) this.byIdKey = new Map();
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get shardKey(): string | undefined {
    return this.settings.shardKey;
  }

  /** Documents a client can see (expired ones are hidden before they are deleted). */
  get size(): number {
    if (this.defaultTtl === undefined) return this.docs.size;
    let count = 0;
    for (const _doc of this.visible()) count += 1;
    return count;
  }

  /** Every stored document, expired or not (for compaction). */
  all(): Iterable<Document> {
    return this.docs.values();
  }

  /** The documents a client can see. */
  visible(): Iterable<Document> {
    return this.defaultTtl === undefined ? this.docs.values() : this.liveOf(this.docs.values(), this.nowSeconds());
  }

  /** Stored documents whose time to live has passed, for the background delete. */
  expired(): Document[] {
    if (this.defaultTtl === undefined) return [];
    const now = this.nowSeconds();
    return [...this.docs.values()].filter((doc) => this.isExpired(doc, now));
  }

  /** The key that identifies a document: its `_id`, within its shard key value when sharded. */
  keyOf(doc: Document): string {
    return this.keyFor(doc._id as unknown, this.shardKey === undefined ? undefined : valueAtPath(doc, this.shardKey));
  }

  keyFor(id: unknown, shardValue: unknown): string {
    return this.shardKey === undefined ? valueKey(id) : `${valueKey(shardValue)}\u0001${valueKey(id)}`;
  }

  writtenAtOf(doc: Document): number | undefined {
    return this.writtenAt.get(doc);
  }

  indexSpecs(): IndexSpec[] {
    return [ID_INDEX, ...[...this.indexes.values()].map((index) => index.spec)];
  }

  findIndex(name: string): IndexSpec | undefined {
    return name === ID_INDEX_NAME ? ID_INDEX : this.indexes.get(name)?.spec;
  }

  /** Refuses a document this collection would not take as a new document. */
  checkNew(doc: Document): void {
    this.rules.checkDocument(doc);
    if (this.shardKey !== undefined && valueAtPath(doc, this.shardKey) === undefined) {
      throw new CommandError(ErrorCode.ShardKeyNotFound, 'document does not contain shard key');
    }
  }

  /** Refuses a new version of a document that the collection would not take. */
  checkReplacement(current: Document, next: Document): void {
    this.rules.checkDocument(next);
    if (this.shardKey !== undefined && valueKey(valueAtPath(next, this.shardKey)) !== valueKey(valueAtPath(current, this.shardKey))) {
      throw new CommandError(ErrorCode.ImmutableField, `Performing an update on the path '${this.shardKey}' would modify the immutable field '${this.shardKey}'`);
    }
  }

  /** Adds a document written at `writtenAt`; an expired document with the same key gives way. */
  insert(doc: Document, writtenAt: number): void {
    const key = this.keyOf(doc);
    const existing = this.docs.get(key);
    if (existing) {
      if (!this.isExpired(existing, this.nowSeconds())) throw this.rules.duplicateKey(this.ns, { spec: ID_INDEX, keyValue: { _id: doc._id as unknown } });
      this.remove(existing);
    }
    const counts = this.countsAgainst(undefined);
    for (const index of this.indexes.values()) {
      const conflict = index.conflictFor(doc, counts);
      if (conflict) throw this.rules.duplicateKey(this.ns, conflict);
    }
    this.docs.set(key, doc);
    this.writtenAt.set(doc, writtenAt);
    if (this.byIdKey) addTo(this.byIdKey, valueKey(doc._id), key);
    for (const index of this.indexes.values()) index.add(doc, key);
  }

  /** Swaps a stored document for its new version (same key), keeping unique indexes intact. */
  replace(current: Document, next: Document, writtenAt: number): void {
    const key = this.keyOf(current);
    if (this.keyOf(next) !== key) throw new CommandError(ErrorCode.ImmutableField, 'a new version of a document must keep its _id and shard key');
    const counts = this.countsAgainst(key);
    for (const index of this.indexes.values()) {
      const conflict = index.conflictFor(next, counts);
      if (conflict) throw this.rules.duplicateKey(this.ns, conflict);
    }
    for (const index of this.indexes.values()) {
      index.remove(current, key);
      index.add(next, key);
    }
    this.docs.set(key, next);
    this.writtenAt.set(next, writtenAt);
  }

  /** Stores a document as the journal recorded it: a new one, or a new version of the one with its key. */
  put(doc: Document, writtenAt: number): void {
    const current = this.docs.get(this.keyOf(doc));
    if (current) this.replace(current, doc, writtenAt);
    else this.insert(doc, writtenAt);
  }

  remove(doc: Document): void {
    this.removeKey(this.keyOf(doc));
  }

  removeKey(key: string): void {
    const doc = this.docs.get(key);
    if (!doc) return;
    this.docs.delete(key);
    if (this.byIdKey) removeFrom(this.byIdKey, valueKey(doc._id), key);
    for (const index of this.indexes.values()) index.remove(doc, key);
  }

  addIndex(spec: IndexSpec): void {
    const index = new EqualityIndex(spec, this.rules.honoursSparse);
    const counts = this.countsAgainst(undefined);
    for (const [key, doc] of this.docs) {
      const conflict = index.conflictFor(doc, counts);
      if (conflict) throw this.rules.duplicateKey(this.ns, conflict);
      index.add(doc, key);
    }
    this.indexes.set(spec.name, index);
    this.refreshTtl();
  }

  dropIndex(name: string): void {
    if (name === ID_INDEX_NAME) throw new CommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
    if (!this.indexes.delete(name)) throw new CommandError(ErrorCode.IndexNotFound, `index not found with name [${name}]`);
    this.refreshTtl();
  }

  /**
   * Documents that may match the filter: the exact `_id` or index hits for an equality (plain,
   * `$eq`, or `$in` on `_id`) on `_id` or on all fields of an index, at the top level or in a
   * top-level `$and`; else every document. Expired documents never appear. `exact` when no
   * further matching is needed.
   */
  candidates(filter: Document): Candidates {
    const found = this.lookup(filter);
    if (this.defaultTtl === undefined) return found;
    const now = this.nowSeconds();
    // Index hits stay an array (the query skips work for short arrays); a full scan stays lazy.
    const docs = Array.isArray(found.docs) ? found.docs.filter((doc: Document) => !this.isExpired(doc, now)) : this.liveOf(found.docs, now);
    return { docs, exact: found.exact };
  }

  private lookup(filter: Document): Candidates {
    const conditions = fieldConditions(filter);
    const plain = !('$and' in filter);
    const filterFields = Object.keys(filter);
    for (const id of conditions.get('_id') ?? []) {
      const exact = plain && filterFields.length === 1;
      const equal = equalityOperand(id);
      if (equal) return { docs: this.pickIds([valueKey(equal.value)]), exact };
      const inList = inOperands(id);
      if (inList) return { docs: this.pickIds(inList.map(valueKey)), exact };
    }
    for (const index of this.indexes.values()) {
      if (!index.servesLookups) continue;
      const operands = index.fields.map((field) => (conditions.get(field) ?? []).map(equalityOperand).find((operand) => operand !== undefined));
      if (!operands.every((operand) => operand !== undefined)) continue;
      const values = operands.map((operand) => operand.value);
      // Null also finds documents whose array is empty (indexed as null), which {f: null} does not match.
      const exact = plain && filterFields.length === index.fields.length && values.every((value) => value !== null);
      return { docs: this.pick([...(index.lookup(values) ?? [])]), exact };
    }
    return { docs: this.docs.values(), exact: filterFields.length === 0 };
  }

  private pickIds(idKeys: string[]): Document[] {
    if (!this.byIdKey) return this.pick(idKeys);
    const keys: string[] = [];
    for (const idKey of idKeys) for (const key of this.byIdKey.get(idKey) ?? []) keys.push(key);
    return this.pick(keys);
  }

  private pick(keys: string[]): Document[] {
    const found: Document[] = [];
    for (const key of new Set(keys)) {
      const doc = this.docs.get(key);
      if (doc) found.push(doc);
    }
    return found;
  }

  private *liveOf(docs: Iterable<Document>, now: number): Generator<Document> {
    for (const doc of docs) if (!this.isExpired(doc, now)) yield doc;
  }

  private isExpired(doc: Document, now: number): boolean {
    if (this.defaultTtl === undefined) return false;
    const writtenAt = this.writtenAt.get(doc);
    if (writtenAt === undefined) return false;
    const expiry = expiresAt(doc, writtenAt, this.defaultTtl);
    return expiry !== undefined && expiry <= now;
  }

  /** Which index holders a document clashes with: any other live document. */
  private countsAgainst(selfKey: string | undefined): (holder: string) => boolean {
    if (this.defaultTtl === undefined) return (holder) => holder !== selfKey;
    const now = this.nowSeconds();
    return (holder) => {
      if (holder === selfKey) return false;
      const doc = this.docs.get(holder);
      return doc !== undefined && !this.isExpired(doc, now);
    };
  }

  private refreshTtl(): void {
    this.defaultTtl = this.rules.expiresOnTs ? defaultTtlOf(this.indexSpecs()) : undefined;
  }
}

function addTo(map: Map<string, Set<string>>, key: string, member: string): void {
  const members = map.get(key);
  if (members) members.add(member);
  else map.set(key, new Set([member]));
}

function removeFrom(map: Map<string, Set<string>>, key: string, member: string): void {
  const members = map.get(key);
  if (!members) return;
  members.delete(member);
  if (members.size === 0) map.delete(key);
}

/**
 * The conditions on each field that every match must meet: the filter's own fields and those of
 * the members of its top-level `$and` (how the apps combine search criteria).
 */
function fieldConditions(filter: Document): Map<string, unknown[]> {
  const conditions = new Map<string, unknown[]>();
  const collect = (part: Document) => {
    for (const [field, condition] of Object.entries(part)) {
      if (field.startsWith('$')) continue;
      const list = conditions.get(field);
      if (list) list.push(condition);
      else conditions.set(field, [condition]);
    }
  };
  collect(filter);
  const and = filter.$and as unknown;
  if (Array.isArray(and)) for (const member of and) if (member !== null && typeof member === 'object' && !Array.isArray(member)) collect(member as Document);
  return conditions;
}

/**
 * The value of an equality condition, `value` or `{ $eq: value }` (the driver's and the apps'
 * spelling for ids taken from requests), when an index can look it up; else undefined.
 */
function equalityOperand(condition: unknown): { value: unknown } | undefined {
  if (isEqualityOperand(condition)) return { value: condition };
  if (condition === null || typeof condition !== 'object') return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== '$eq') return undefined;
  const value = (condition as { $eq: unknown }).$eq;
  return isEqualityOperand(value) ? { value } : undefined;
}

function inOperands(condition: unknown): unknown[] | undefined {
  if (condition === null || typeof condition !== 'object') return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== '$in') return undefined;
  const list = (condition as { $in: unknown }).$in;
  return Array.isArray(list) && list.every(isEqualityOperand) ? list : undefined;
}
