import type { Document } from 'bson';
import type { CommandTable } from '../dispatcher';
import { CommandError, ErrorCode, badValue } from '../errors';
import { ID_INDEX_NAME, normalizeIndexSpec, sameIndexDefinition, type IndexSpec } from '../indexes';
import type { IndexRules } from '../rules';
import { valueKey } from '../value-key';
import { collectionName, documentList, optionalCount, optionalDocument } from './arguments';

/** createIndexes, listIndexes, dropIndexes; the profile's rules see every change before it is made. */
export function indexCommands(rules: IndexRules): CommandTable {
  return {
    createIndexes: async (command, { db, storage }) => {
      const name = collectionName(command, 'createIndexes');
      const specs = documentList(command, 'indexes').map(normalizeIndexSpec);
      if (specs.length === 0) throw badValue('Must specify at least one index to create');
      const current = storage.collection(db, name);
      rules.beforeCreate(current, specs.filter((spec) => !isIdIndex(spec) && !current?.indexSpecs().some((existing) => existing.name === spec.name && sameIndexDefinition(existing, spec))));
      const batch = storage.beginWrite();
      const createdCollectionAutomatically = !storage.collection(db, name);
      const collection = batch.collection(db, name);
      const numIndexesBefore = collection.indexSpecs().length;
      try {
        for (const spec of specs) {
          if (isIdIndex(spec)) continue;
          const existing = collection.indexSpecs().find((candidate) => candidate.name === spec.name || valueKey(candidate.key) === valueKey(spec.key));
          if (existing) {
            rejectConflict(existing, spec);
            continue;
          }
          batch.createIndex(collection, spec);
        }
      } finally {
        // Indexes built before a failing one stay, as on the real server; make them durable before answering.
        await batch.commit();
      }
      const numIndexesAfter = collection.indexSpecs().length;
      const reply: Document = { numIndexesBefore, numIndexesAfter, createdCollectionAutomatically, ok: 1 };
      if (numIndexesAfter === numIndexesBefore) reply.note = 'all indexes already exist';
      return reply;
    },

    listIndexes: (command, { db, storage, cursors }) => {
      const name = collectionName(command, 'listIndexes');
      const collection = storage.collection(db, name);
      if (!collection) throw new CommandError(ErrorCode.NamespaceNotFound, `ns does not exist: ${db}.${name}`);
      const ns = `${db}.$cmd.listIndexes.${name}`;
      const first = cursors.open(ns, collection.indexSpecs().map((spec) => ({ ...spec })), optionalCount(optionalDocument(command, 'cursor') ?? {}, 'batchSize'));
      return { cursor: { id: first.id, ns, firstBatch: first.batch }, ok: 1 };
    },

    dropIndexes: async (command, { db, storage }) => {
      const name = collectionName(command, 'dropIndexes');
      const collection = storage.collection(db, name);
      if (!collection) throw new CommandError(ErrorCode.NamespaceNotFound, `ns not found ${db}.${name}`);
      const nIndexesWas = collection.indexSpecs().length;
      const target = command.index as unknown;
      let names: string[];
      if (target === '*') {
        names = collection.indexSpecs().map((spec) => spec.name).filter((indexName) => indexName !== ID_INDEX_NAME);
      } else if (typeof target === 'string') {
        names = [target];
      } else if (Array.isArray(target) && target.every((entry) => typeof entry === 'string')) {
        names = target;
      } else if (target !== null && typeof target === 'object') {
        const match = collection.indexSpecs().find((spec) => valueKey(spec.key) === valueKey(target));
        if (!match) throw new CommandError(ErrorCode.IndexNotFound, `can't find index with key: ${JSON.stringify(target)}`);
        names = [match.name];
      } else {
        throw new CommandError(ErrorCode.TypeMismatch, "BSON field 'index' must be a string, an array of strings or a key pattern");
      }
      const dropped = names.map((indexName) => {
        if (indexName === ID_INDEX_NAME) throw new CommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
        const spec = collection.findIndex(indexName);
        if (!spec) throw new CommandError(ErrorCode.IndexNotFound, `index not found with name [${indexName}]`);
        return spec;
      });
      rules.beforeDrop(collection, dropped);
      const batch = storage.beginWrite();
      for (const indexName of names) batch.dropIndex(collection, indexName);
      await batch.commit();
      return { nIndexesWas, ok: 1 };
    },
  };
}

function isIdIndex(spec: IndexSpec): boolean {
  return spec.name === ID_INDEX_NAME || valueKey(spec.key) === valueKey({ _id: 1 });
}

function rejectConflict(existing: IndexSpec, requested: IndexSpec): void {
  if (existing.name === requested.name && sameIndexDefinition(existing, requested)) return;
  if (existing.name === requested.name) {
    const code = valueKey(existing.key) === valueKey(requested.key) ? ErrorCode.IndexOptionsConflict : ErrorCode.IndexKeySpecsConflict;
    throw new CommandError(code, `An existing index has the same name as the requested index. Requested index: ${describe(requested)}, existing index: ${describe(existing)}`);
  }
  throw new CommandError(ErrorCode.IndexOptionsConflict, `Index already exists with a different name: ${existing.name}`);
}

function describe(spec: IndexSpec): string {
  return JSON.stringify(spec);
}
