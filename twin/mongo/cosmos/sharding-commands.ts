import type { Document } from 'bson';
import { collectionName, documentList, optionalDocument } from '../commands/arguments';
import type { CommandContext, CommandTable } from '../dispatcher';
import { CommandError, ErrorCode, badValue } from '../errors';
import { normalizeIndexSpec, type IndexSpec } from '../indexes';
import { createCollectionWith, describeCollection, replaceIndexes, type CollectionDefinition } from './collection-admin';

/**
 * Cosmos DB's own collection commands: `shardCollection` (indexing.md, "Unique indexes") and the
 * `customAction` extension commands CreateCollection, UpdateCollection and GetCollection
 * (custom-commands.md). A shard key is set only when a collection is created.
 */
export function shardingCommands(continuousBackup: boolean): CommandTable {
  const actions: Record<string, (command: Document, context: CommandContext) => Promise<Document> | Document> = {
    CreateCollection: async (command, { db, storage }) => {
      const definition: CollectionDefinition = { name: collectionName(command, 'collection'), ...throughputOf(command) };
      if (command.shardKey !== undefined) definition.shardKey = shardKeyPath(command.shardKey);
      const indexes = indexesOf(command);
      if (indexes) definition.indexes = indexes;
      await createCollectionWith(storage, db, definition);
      return { ok: 1 };
    },

    UpdateCollection: async (command, { db, storage }) => {
      const name = collectionName(command, 'collection');
      const collection = storage.collection(db, name);
      if (!collection) throw new CommandError(ErrorCode.NamespaceNotFound, `ns does not exist: ${db}.${name}`);
      const indexes = indexesOf(command);
      if (indexes) await replaceIndexes(storage, collection, indexes, 'later', continuousBackup);
      const throughput = throughputOf(command);
      if (Object.keys(throughput).length > 0) {
        const batch = storage.beginWrite();
        batch.changeSettings(collection, throughput);
        await batch.commit();
      }
      return { ok: 1 };
    },

    GetCollection: (command, { db, storage }) => {
      const name = collectionName(command, 'collection');
      const collection = storage.collection(db, name);
      if (!collection) throw new CommandError(ErrorCode.NamespaceNotFound, `ns does not exist: ${db}.${name}`);
      return describeCollection(collection, command.showIndexes === true);
    },
  };

  return {
    customAction: (command, context) => {
      const action = command.customAction as unknown;
      const run = typeof action === 'string' ? actions[action] : undefined;
      if (!run) throw new CommandError(ErrorCode.CommandNotSupported, `customAction ${JSON.stringify(action)} is not supported by the MongoDB twin`);
      return run(command, context);
    },

    shardCollection: async (command, { storage }) => {
      const ns = command.shardCollection as unknown;
      const dot = typeof ns === 'string' ? ns.indexOf('.') : -1;
      if (typeof ns !== 'string' || dot <= 0) throw badValue("'shardCollection' must be a namespace '<db>.<collection>'");
      const db = ns.slice(0, dot);
      const name = ns.slice(dot + 1);
      const key = optionalDocument(command, 'key');
      const fields = Object.keys(key ?? {});
      if (fields.length !== 1) throw badValue('a shard key has exactly one field');
      const [shardKey] = fields;
      const existing = storage.collection(db, name);
      if (existing && existing.shardKey !== shardKey) {
        throw badValue(`Collection ${ns} already exists; its shard key is set only when it is created.`);
      }
      if (!existing) await createCollectionWith(storage, db, { name, shardKey });
      return { _t: 'ShardCollectionResponse', ok: 1, collectionsharded: ns };
    },
  };
}

function shardKeyPath(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw badValue("'shardKey' must be the path of the shard key, as a string");
  return value;
}

/** The `indexes` of CreateCollection/UpdateCollection: when present, an `_id` index must be among them. */
function indexesOf(command: Document): IndexSpec[] | undefined {
  if (command.indexes === undefined) return undefined;
  const specs = documentList(command, 'indexes').map(normalizeIndexSpec);
  if (!specs.some((spec) => Object.keys(spec.key).join() === '_id')) throw badValue('indexes must include an index on _id');
  return specs;
}

function throughputOf(command: Document): { offerThroughput?: number; maxThroughput?: number } {
  const throughput: { offerThroughput?: number; maxThroughput?: number } = {};
  if (typeof command.offerThroughput === 'number') throughput.offerThroughput = command.offerThroughput;
  const autoscale = optionalDocument(command, 'autoScaleSettings');
  if (typeof autoscale?.maxThroughput === 'number') throughput.maxThroughput = autoscale.maxThroughput;
  return throughput;
}
