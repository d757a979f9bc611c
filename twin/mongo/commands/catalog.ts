import { calculateObjectSize, type Document } from 'bson';
import { Query } from 'mingo';
import type { CommandTable } from '../dispatcher';
import { CommandError, ErrorCode } from '../errors';
import { ID_INDEX_NAME } from '../indexes';
import { QUERY_OPTIONS, withQueryErrors } from '../query-options';
import { valueKey } from '../value-key';
import { collectionName, optionalCount, optionalDocument } from './arguments';

/** Command fields that are plumbing, not collection options. */
const GENERIC_FIELDS = new Set([
  '$db', 'lsid', 'txnNumber', 'autocommit', 'startTransaction', 'writeConcern', 'readConcern',
  '$readPreference', '$clusterTime', 'comment', 'maxTimeMS', 'apiVersion', 'apiStrict', 'apiDeprecationErrors',
]);

function collectionOptions(command: Document, nameField: string): Document {
  const options: Document = {};
  for (const [field, value] of Object.entries(command)) {
    if (field !== nameField && !GENERIC_FIELDS.has(field)) options[field] = value as unknown;
  }
  return options;
}

function filterDocuments(docs: Document[], filter: Document | undefined): Document[] {
  if (!filter || Object.keys(filter).length === 0) return docs;
  return withQueryErrors(() => new Query(filter, QUERY_OPTIONS).find<Document>(docs).all());
}

/** listCollections, listDatabases, create, drop, dropDatabase. */
export function catalogCommands(): CommandTable {
  return {
    listCollections: (command, { db, storage, cursors }) => {
      const nameOnly = command.nameOnly === true;
      const infos = storage.collections(db).map((collection) =>
        nameOnly
          ? { name: collection.name, type: 'collection' }
          : {
              name: collection.name,
              type: 'collection',
              options: collection.options,
              info: { readOnly: false },
              idIndex: { v: 2, key: { _id: 1 }, name: ID_INDEX_NAME },
            },
      );
      const cursorOptions = optionalDocument(command, 'cursor');
      const ns = `${db}.$cmd.listCollections`;
      const first = cursors.open(ns, filterDocuments(infos, optionalDocument(command, 'filter')), optionalCount(cursorOptions ?? {}, 'batchSize'));
      return { cursor: { id: first.id, ns, firstBatch: first.batch }, ok: 1 };
    },

    listDatabases: (command, { storage }) => {
      const databases = storage.databaseNames().map((name) => {
        let sizeOnDisk = 0;
        for (const collection of storage.collections(name)) for (const doc of collection.all()) sizeOnDisk += calculateObjectSize(doc);
        return { name, sizeOnDisk, empty: false };
      });
      const listed = filterDocuments(databases, optionalDocument(command, 'filter'));
      if (command.nameOnly === true) return { databases: listed.map((entry) => ({ name: entry.name as string })), ok: 1 };
      const totalSize = listed.reduce((sum, entry) => sum + (entry.sizeOnDisk as number), 0);
      return { databases: listed, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)), ok: 1 };
    },

    create: async (command, { db, storage }) => {
      const name = collectionName(command, 'create');
      const options = collectionOptions(command, 'create');
      if (options.viewOn !== undefined) throw new CommandError(ErrorCode.IllegalOperation, 'views are not supported by the MongoDB twin');
      const existing = storage.collection(db, name);
      if (existing) {
        // MongoDB 7.0+: creating an existing collection with identical options succeeds.
        if (valueKey(existing.options) === valueKey(options)) return { ok: 1 };
        throw new CommandError(ErrorCode.NamespaceExists, `Collection ${db}.${name} already exists.`);
      }
      const batch = storage.beginWrite();
      batch.createCollection(db, name, options);
      await batch.commit();
      return { ok: 1 };
    },

    drop: async (command, { db, storage }) => {
      const name = collectionName(command, 'drop');
      const existing = storage.collection(db, name);
      if (!existing) return { ok: 1 };
      const nIndexesWas = existing.indexSpecs().length;
      const batch = storage.beginWrite();
      batch.dropCollection(db, name);
      await batch.commit();
      return { nIndexesWas, ns: existing.ns, ok: 1 };
    },

    dropDatabase: async (_command, { db, storage }) => {
      if (storage.collections(db).length === 0) return { ok: 1 };
      const batch = storage.beginWrite();
      batch.dropDatabase(db);
      await batch.commit();
      return { dropped: db, ok: 1 };
    },
  };
}
