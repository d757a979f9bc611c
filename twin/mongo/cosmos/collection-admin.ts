import type { Document } from 'bson';
import type { Collection, CollectionSettings } from '../collection';
import { CommandError, ErrorCode } from '../errors';
import { ID_INDEX_NAME, sameIndexDefinition, type IndexSpec } from '../indexes';
import type { Storage } from '../storage';
import { checkIndexDefinition, checkUniqueIndexChange, type IndexChangeTiming } from './index-rules';

/** A collection as Cosmos DB's management surfaces (CreateCollection, ARM) describe one. */
export interface CollectionDefinition {
  name: string;
  /** Hash-sharded on this path; fixed for the collection's life. */
  shardKey?: string;
  /** Beyond `_id`, which every collection has. */
  indexes?: readonly IndexSpec[];
  offerThroughput?: number;
  maxThroughput?: number;
}

function isIdIndex(spec: IndexSpec): boolean {
  const fields = Object.keys(spec.key);
  return spec.name === ID_INDEX_NAME || (fields.length === 1 && fields[0] === '_id');
}

/** The indexes beyond `_id`, with names unique within the list. */
function secondaryIndexes(specs: readonly IndexSpec[]): IndexSpec[] {
  const names = new Set<string>();
  const secondary = specs.filter((spec) => !isIdIndex(spec));
  for (const spec of secondary) {
    if (names.has(spec.name)) throw new CommandError(ErrorCode.IndexKeySpecsConflict, `Index with name ${spec.name} is specified more than once`);
    names.add(spec.name);
  }
  return secondary;
}

/** Creates a collection with its shard key and indexes in one durable step: unique indexes are allowed here. */
export async function createCollectionWith(storage: Storage, db: string, definition: CollectionDefinition): Promise<void> {
  if (storage.collection(db, definition.name)) {
    throw new CommandError(ErrorCode.NamespaceExists, `Collection ${db}.${definition.name} already exists.`);
  }
  const indexes = secondaryIndexes(definition.indexes ?? []);
  for (const spec of indexes) checkIndexDefinition(spec, definition.shardKey);
  const settings: CollectionSettings = {};
  if (definition.shardKey !== undefined) settings.shardKey = definition.shardKey;
  if (definition.offerThroughput !== undefined) settings.offerThroughput = definition.offerThroughput;
  if (definition.maxThroughput !== undefined) settings.maxThroughput = definition.maxThroughput;
  const batch = storage.beginWrite();
  batch.createCollection(db, definition.name, {}, settings);
  const collection = storage.collection(db, definition.name)!;
  for (const spec of indexes) batch.createIndex(collection, spec);
  await batch.commit();
}

/**
 * Makes a collection's indexes exactly `wanted` (UpdateCollection, an ARM update): indexes not listed
 * are dropped, new or changed ones built. Cosmos DB's rules apply to what changes.
 */
export async function replaceIndexes(
  storage: Storage,
  collection: Collection,
  wanted: readonly IndexSpec[],
  timing: IndexChangeTiming,
  continuousBackup: boolean,
): Promise<void> {
  const target = secondaryIndexes(wanted);
  const current = collection.indexSpecs().filter((spec) => !isIdIndex(spec));
  const kept = (spec: IndexSpec, among: readonly IndexSpec[]) => among.some((other) => other.name === spec.name && sameIndexDefinition(other, spec));
  const dropped = current.filter((spec) => !kept(spec, target));
  const added = target.filter((spec) => !kept(spec, current));
  for (const spec of added) checkIndexDefinition(spec, collection.shardKey);
  checkUniqueIndexChange(collection, { added, dropped }, timing, continuousBackup);
  const batch = storage.beginWrite();
  for (const spec of dropped) batch.dropIndex(collection, spec.name);
  for (const spec of added) batch.createIndex(collection, spec);
  await batch.commit();
}

/** GetCollection's answer (custom-commands.md, "Get collection"; indexing.md for `showIndexes`). */
export function describeCollection(collection: Collection, showIndexes: boolean): Document {
  const { settings } = collection;
  const reply: Document = { database: collection.db, collection: collection.name };
  if (settings.shardKey !== undefined) reply.shardKeyDefinition = { [settings.shardKey]: 'hashed' };
  if (settings.maxThroughput !== undefined) {
    reply.provisionedThroughput = settings.maxThroughput / 10;
    reply.autoScaleSettings = { maxThroughput: settings.maxThroughput };
  } else {
    reply.provisionedThroughput = settings.offerThroughput ?? 400;
  }
  if (showIndexes) {
    reply.indexes = collection.indexSpecs().map((spec) => {
      const { v: _v, ...rest } = spec;
      return { v: 1, ...rest, ns: collection.ns };
    });
  }
  reply.ok = 1;
  return reply;
}
