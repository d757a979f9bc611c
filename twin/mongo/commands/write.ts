import type { Document } from 'bson';
import type { Collection } from '../collection';
import type { CommandTable } from '../dispatcher';
import { CommandError, ErrorCode } from '../errors';
import { findDocuments, project } from '../query';
import type { QueryRules } from '../rules';
import type { WriteBatch } from '../storage';
import { applyUpdate, upsertDocument, withId, type UpdateSpec } from '../update-document';
import { valueKey } from '../value-key';
import { collectionName, documentList, optionalDocument } from './arguments';

/**
 * Runs the statements of a write command, collecting per-statement errors into
 * `writeErrors` as the server does: ordered stops at the first error, unordered
 * carries on. Whatever was applied is made durable before the command answers.
 */
async function runStatements(
  batch: WriteBatch,
  statements: Document[],
  ordered: boolean,
  run: (statement: Document, index: number) => void,
): Promise<Document[]> {
  const writeErrors: Document[] = [];
  try {
    for (let index = 0; index < statements.length; index++) {
      try {
        run(statements[index], index);
      } catch (error) {
        if (!(error instanceof CommandError)) throw error;
        writeErrors.push(error.toWriteError(index));
        if (ordered) break;
      }
    }
  } finally {
    // Statements already applied stay applied (no rollback, as on the server), so they must reach the journal.
    await batch.commit();
  }
  return writeErrors;
}

function updateSpecOf(value: unknown): UpdateSpec {
  if (value === null || typeof value !== 'object') {
    throw new CommandError(ErrorCode.FailedToParse, 'Update argument must be either an object or an array');
  }
  return value;
}

function changed(before: Document, after: Document): boolean {
  return valueKey(before) !== valueKey(after);
}

function reply(counts: Document, writeErrors: Document[]): Document {
  return writeErrors.length > 0 ? { ...counts, writeErrors, ok: 1 } : { ...counts, ok: 1 };
}

function firstMatch(collection: Collection | undefined, filter: Document, sort?: Document): Document | undefined {
  return findDocuments(collection, { filter, sort, limit: 1 })[0];
}

/** insert, update, delete, findAndModify; the profile's rules check findAndModify's sort. */
export function writeCommands(rules: QueryRules): CommandTable {
  return {
    insert: async (command, { db, storage }) => {
      const name = collectionName(command, 'insert');
      const documents = documentList(command, 'documents');
      const batch = storage.beginWrite();
      const collection = batch.collection(db, name);
      let n = 0;
      const writeErrors = await runStatements(batch, documents, command.ordered !== false, (doc) => {
        batch.insert(collection, withId(doc));
        n += 1;
      });
      return reply({ n }, writeErrors);
    },

    update: async (command, { db, storage }) => {
      const name = collectionName(command, 'update');
      const statements = documentList(command, 'updates');
      const batch = storage.beginWrite();
      let matched = 0;
      let modified = 0;
      const upserted: Document[] = [];
      const writeErrors = await runStatements(batch, statements, command.ordered !== false, (statement, index) => {
        const filter = optionalDocument(statement, 'q') ?? {};
        const spec = updateSpecOf(statement.u);
        const arrayFilters = statement.arrayFilters as Document[] | undefined;
        const existing = storage.collection(db, name);
        const targets = statement.multi === true ? findDocuments(existing, { filter }) : findDocuments(existing, { filter, limit: 1 });
        if (targets.length === 0) {
          if (statement.upsert !== true) return;
          const doc = upsertDocument(filter, spec, arrayFilters);
          batch.insert(batch.collection(db, name), doc);
          upserted.push({ index, _id: doc._id as unknown });
          return;
        }
        for (const current of targets) {
          const next = applyUpdate(current, spec, { arrayFilters, inserting: false });
          matched += 1;
          if (!changed(current, next)) continue;
          batch.replace(existing!, current, next);
          modified += 1;
        }
      });
      const counts: Document = { n: matched + upserted.length, nModified: modified };
      if (upserted.length > 0) counts.upserted = upserted;
      return reply(counts, writeErrors);
    },

    delete: async (command, { db, storage }) => {
      const name = collectionName(command, 'delete');
      const statements = documentList(command, 'deletes');
      const batch = storage.beginWrite();
      let n = 0;
      const writeErrors = await runStatements(batch, statements, command.ordered !== false, (statement) => {
        const collection = storage.collection(db, name);
        if (!collection) return;
        const filter = optionalDocument(statement, 'q') ?? {};
        if (statement.limit !== 0 && statement.limit !== 1) {
          throw new CommandError(ErrorCode.FailedToParse, `The limit field in delete objects must be 0 or 1. Got ${String(statement.limit)}`);
        }
        const targets = findDocuments(collection, { filter, limit: statement.limit as number });
        for (const doc of targets) batch.remove(collection, doc);
        n += targets.length;
      });
      return reply({ n }, writeErrors);
    },

    findAndModify: async (command, { db, storage }) => {
      const name = collectionName(command, 'findAndModify');
      const filter = optionalDocument(command, 'query') ?? {};
      const sort = optionalDocument(command, 'sort');
      const fields = optionalDocument(command, 'fields');
      const remove = command.remove === true;
      if (remove && command.update !== undefined) throw new CommandError(ErrorCode.FailedToParse, 'Cannot specify both an update and remove=true');
      if (!remove && command.update === undefined) throw new CommandError(ErrorCode.FailedToParse, 'Either an update or remove=true must be specified');
      if (remove && command.upsert === true) throw new CommandError(ErrorCode.FailedToParse, 'Cannot specify both upsert=true and remove=true');
      const returnNew = command.new === true;
      const arrayFilters = command.arrayFilters as Document[] | undefined;
      const existing = storage.collection(db, name);
      rules.checkFindAndModifySort(existing, sort);
      const current = firstMatch(existing, filter, sort);
      const batch = storage.beginWrite();
      let result: Document;
      if (remove) {
        if (current) batch.remove(existing!, current);
        result = { lastErrorObject: { n: current ? 1 : 0 }, value: current ? project(current, fields) : null, ok: 1 };
      } else {
        const spec = updateSpecOf(command.update);
        if (current) {
          const next = applyUpdate(current, spec, { arrayFilters, inserting: false });
          if (changed(current, next)) batch.replace(existing!, current, next);
          result = { lastErrorObject: { n: 1, updatedExisting: true }, value: project(returnNew ? next : current, fields), ok: 1 };
        } else if (command.upsert === true) {
          const doc = upsertDocument(filter, spec, arrayFilters);
          batch.insert(batch.collection(db, name), doc);
          result = {
            lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id as unknown },
            value: returnNew ? project(doc, fields) : null,
            ok: 1,
          };
        } else {
          result = { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
        }
      }
      await batch.commit();
      return result;
    },
  };
}
