import { Long, type Document } from 'bson';
import type { CommandContext, CommandTable } from '../dispatcher';
import { CommandError, ErrorCode, badValue } from '../errors';
import { valuesAtPath } from '../indexes';
import { aggregateDocuments, findDocuments } from '../query';
import type { QueryRules } from '../rules';
import { valueKey } from '../value-key';
import { collectionName, documentList, optionalCount, optionalDocument } from './arguments';

function cursorId(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof Long || (value !== null && typeof value === 'object' && (value as { _bsontype?: string })._bsontype === 'Long')) {
    return Number(value);
  }
  throw new CommandError(ErrorCode.TypeMismatch, "Field 'getMore' must be of type long");
}

function resolverFor(context: CommandContext): (name: string) => Document[] {
  return (name) => {
    const collection = context.storage.collection(context.db, name);
    return collection ? [...collection.visible()] : [];
  };
}

/** find, getMore, killCursors, count, distinct, aggregate; the profile's rules check sorts and pipelines. */
export function readCommands(rules: QueryRules): CommandTable {
  return {
    find: (command, { db, storage, cursors }) => {
      const name = collectionName(command, 'find');
      const ns = `${db}.${name}`;
      const collection = storage.collection(db, name);
      const sort = optionalDocument(command, 'sort');
      rules.checkSort(collection, sort);
      const docs = findDocuments(collection, {
        filter: optionalDocument(command, 'filter'),
        sort,
        projection: optionalDocument(command, 'projection'),
        skip: optionalCount(command, 'skip'),
        limit: optionalCount(command, 'limit'),
      });
      const first = cursors.open(ns, docs, optionalCount(command, 'batchSize'), command.singleBatch === true);
      return { cursor: { firstBatch: first.batch, id: first.id, ns }, ok: 1 };
    },

    getMore: (command, { db, cursors }) => {
      const id = cursorId(command.getMore);
      const name = collectionName(command, 'collection');
      const ns = `${db}.${name}`;
      const next = cursors.more(id, ns, optionalCount(command, 'batchSize'));
      return { cursor: { nextBatch: next.batch, id: next.id, ns }, ok: 1 };
    },

    killCursors: (command, { cursors }) => {
      collectionName(command, 'killCursors');
      const ids = (command.cursors as unknown[] | undefined) ?? [];
      const { killed, notFound } = cursors.kill(ids.map(cursorId));
      return {
        cursorsKilled: killed.map((id) => Long.fromNumber(id)),
        cursorsNotFound: notFound.map((id) => Long.fromNumber(id)),
        cursorsAlive: [],
        cursorsUnknown: [],
        ok: 1,
      };
    },

    count: (command, { db, storage }) => {
      const name = collectionName(command, 'count');
      const collection = storage.collection(db, name);
      const query = optionalDocument(command, 'query');
      const skip = optionalCount(command, 'skip') ?? 0;
      const limit = optionalCount(command, 'limit') ?? 0;
      let n = query && Object.keys(query).length > 0 ? findDocuments(collection, { filter: query }).length : (collection?.size ?? 0);
      n = Math.max(0, n - skip);
      if (limit > 0) n = Math.min(n, limit);
      return { n, ok: 1 };
    },

    distinct: (command, { db, storage }) => {
      const name = collectionName(command, 'distinct');
      if (typeof command.key !== 'string' || command.key === '') throw badValue("BSON field 'key' must be a non-empty string");
      const key = command.key;
      const docs = findDocuments(storage.collection(db, name), { filter: optionalDocument(command, 'query') });
      const seen = new Map<string, unknown>();
      for (const doc of docs) {
        for (const value of valuesAtPath(doc, key, false)) {
          const id = valueKey(value);
          if (!seen.has(id)) seen.set(id, value);
        }
      }
      return { values: [...seen.values()], ok: 1 };
    },

    aggregate: (command, context) => {
      const target = command.aggregate as unknown;
      if (typeof target !== 'string') {
        throw new CommandError(ErrorCode.InvalidNamespace, "{aggregate: 1} is not supported by the MongoDB twin; name a collection");
      }
      const pipeline = documentList(command, 'pipeline');
      if (command.explain === true) throw new CommandError(ErrorCode.IllegalOperation, 'explain is not supported by the MongoDB twin');
      const cursorOptions = optionalDocument(command, 'cursor');
      if (!cursorOptions) throw new CommandError(ErrorCode.FailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument");
      const ns = `${context.db}.${target}`;
      const collection = context.storage.collection(context.db, target);
      rules.checkPipeline(collection, pipeline);
      const docs = aggregateDocuments(collection, pipeline, resolverFor(context));
      const first = context.cursors.open(ns, docs, optionalCount(cursorOptions, 'batchSize'));
      return { cursor: { firstBatch: first.batch, id: first.id, ns }, ok: 1 };
    },
  };
}
