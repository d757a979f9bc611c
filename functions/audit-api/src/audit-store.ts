import { MongoBulkWriteError, MongoServerError, type Filter, type WriteError } from 'mongodb';
import { AUDIT_DATABASE, collectionDeclaration } from '../../../contracts/collections';
import type { DatabaseOperations } from '../../shared/src/database-operations';
import type { TraceContext } from '../../shared/src/trace-context';
import { resourceIdOf, type AuditRecord } from './audit-record';

/** `resourceId` is the shard key; reads are always one resource's records, oldest first. */
export const AUDITS_COLLECTION = collectionDeclaration(AUDIT_DATABASE, 'audits').name;

interface AuditDocument extends AuditRecord {
  _id: string;
  resourceId: string;
}

export interface AuditPage {
  records: AuditRecord[];
  /** Where the next page starts; undefined on the last page. */
  next: { createdDate: string; id: string } | undefined;
}

export interface AuditStore {
  append(trace: TraceContext, record: AuditRecord): Promise<void>;
  /** Stores every record or fails; safe to repeat (ids are fixed before the first attempt). */
  appendAll(trace: TraceContext, records: readonly AuditRecord[]): Promise<void>;
  listForResource(trace: TraceContext, resourceId: string, limit: number, after?: { createdDate: string; id: string }): Promise<AuditPage>;
}

export function createAuditStore(operations: DatabaseOperations): AuditStore {
  return {
    async append(trace, record) {
      const document = toDocument(record);
      // The id is fixed before the first attempt, so a repeat that finds it stored is a success: safe to retry.
      await operations.run(trace, 'audits.insertOne', { idempotent: true }, async (db) => {
        try {
          await db.collection<AuditDocument>(AUDITS_COLLECTION).insertOne(document);
        } catch (error) {
          if (!isDuplicate(error)) throw error;
        }
      });
    },

    async appendAll(trace, records) {
      const documents = records.map(toDocument);
      // Unordered, so one record already stored by an earlier attempt does not stop the others.
      await operations.run(trace, 'audits.insertMany', { idempotent: true }, async (db) => {
        try {
          await db.collection<AuditDocument>(AUDITS_COLLECTION).insertMany(documents, { ordered: false });
        } catch (error) {
          if (!(error instanceof MongoBulkWriteError) || !error.writeErrors || !toArray(error.writeErrors).every((entry) => entry.code === 11000)) throw error;
        }
      });
    },

    async listForResource(trace, resourceId, limit, after) {
      const filter: Filter<AuditDocument> = { resourceId };
      if (after !== undefined) {
        filter.$or = [{ createdDate: { $gt: after.createdDate } }, { createdDate: after.createdDate, _id: { $gt: after.id } }];
      }
      const documents = await operations.run(trace, 'audits.find', { idempotent: true }, (db) =>
        db
          .collection<AuditDocument>(AUDITS_COLLECTION)
          .find(filter)
          // Exactly the fields of the collection's `created` index: Cosmos DB serves no other multi-field sort.
          .sort({ createdDate: 1, _id: 1 })
          .limit(limit + 1)
          .toArray(),
      );
      const page = documents.slice(0, limit).map(toRecord);
      const last = page[page.length - 1];
      return { records: page, next: documents.length > limit && last !== undefined ? { createdDate: last.createdDate, id: last.id } : undefined };
    },
  };
}

function toRecord(document: AuditDocument): AuditRecord {
  const record: AuditRecord = {
    id: document.id,
    createdDate: document.createdDate,
    sourceSystemName: document.sourceSystemName,
    resource: { type: document.resource.type, id: document.resource.id, operation: document.resource.operation },
  };
  if (document.caller !== undefined) record.caller = document.caller;
  if (document.traceId !== undefined) record.traceId = document.traceId;
  return record;
}

function toDocument(record: AuditRecord): AuditDocument {
  return { ...record, _id: record.id, resourceId: resourceIdOf(record.resource.id) };
}

function isDuplicate(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

function toArray(errors: WriteError | readonly WriteError[]): readonly WriteError[] {
  return ([] as WriteError[]).concat(errors);
}
