import type { Db, Filter } from 'mongodb';
import { collectionDeclaration, PATIENTS_DATABASE } from '../../../contracts/collections';
import type { DatabaseOperations } from '../../shared/src/database-operations';
import type { IfMatch } from '../../shared/src/etag';
import type { TraceContext } from '../../shared/src/trace-context';
import type { TestResult, Versioned } from './model';
import type { WriteOutcome } from './write-outcome';

/** `patientId` is the shard key: a patient's tests live in one partition and are listed in creation order. */
export const TESTS_COLLECTION = collectionDeclaration(PATIENTS_DATABASE, 'tests').name;

interface TestResultDocument extends TestResult {
  _id: string;
  _version: string;
  _created: string;
}

export interface TestResultPage {
  results: TestResult[];
  next: { created: string; id: string } | undefined;
}

export interface TestResultStore {
  insert(trace: TraceContext, result: TestResult, version: string): Promise<void>;
  get(trace: TraceContext, patientId: string, id: string): Promise<Versioned<TestResult> | undefined>;
  list(trace: TraceContext, patientId: string, limit: number, after: { created: string; id: string } | undefined): Promise<TestResultPage>;
  replace(trace: TraceContext, result: TestResult, condition: IfMatch, newVersion: string): Promise<WriteOutcome<Versioned<TestResult>>>;
  remove(trace: TraceContext, patientId: string, id: string, condition: IfMatch): Promise<WriteOutcome<undefined>>;
  removeAllOf(trace: TraceContext, patientId: string): Promise<void>;
}

export function createTestResultStore(operations: DatabaseOperations): TestResultStore {
  const tests = (db: Db) => db.collection<TestResultDocument>(TESTS_COLLECTION);

  function byId(patientId: string, id: string): Filter<TestResultDocument> {
    return { _id: { $eq: id }, patientId: { $eq: patientId } };
  }

  function withCondition(filter: Filter<TestResultDocument>, condition: IfMatch): Filter<TestResultDocument> {
    return condition.kind === 'versions' ? { ...filter, _version: { $in: condition.versions } } : filter;
  }

  async function current(trace: TraceContext, patientId: string, id: string): Promise<TestResultDocument | null> {
    return operations.run(trace, 'tests.findOne', { idempotent: true }, (db) => tests(db).findOne(byId(patientId, id)));
  }

  return {
    async insert(trace, result, version) {
      await operations.run(trace, 'tests.insertOne', { idempotent: false }, (db) =>
        tests(db).insertOne({ ...result, _id: result.id, _version: version, _created: result.lastUpdated }),
      );
    },

    async get(trace, patientId, id) {
      const found = await current(trace, patientId, id);
      return found === null ? undefined : { resource: toTestResult(found), version: found._version };
    },

    async list(trace, patientId, limit, after) {
      const filter: Filter<TestResultDocument> = { patientId: { $eq: patientId } };
      if (after !== undefined) filter.$or = [{ _created: { $gt: after.created } }, { _created: { $eq: after.created }, _id: { $gt: after.id } }];
      const found = await operations.run(trace, 'tests.find', { idempotent: true }, (db) =>
        tests(db)
          .find(filter)
          // Exactly the fields of the collection's `created` index: Cosmos DB serves no other multi-field sort.
          .sort({ _created: 1, _id: 1 })
          .limit(limit + 1)
          .toArray(),
      );
      const page = found.slice(0, limit);
      const last = page[page.length - 1];
      return { results: page.map(toTestResult), next: found.length > limit && last !== undefined ? { created: last._created, id: last._id } : undefined };
    },

    async replace(trace, result, condition, newVersion) {
      const existing = await current(trace, result.patientId, result.id);
      if (existing === null) return { kind: 'not-found' };
      const outcome = await operations.run(trace, 'tests.replaceOne', { idempotent: false }, (db) =>
        tests(db).replaceOne(withCondition(byId(result.patientId, result.id), condition), {
          ...result,
          _version: newVersion,
          _created: existing._created,
        }),
      );
      if (outcome.matchedCount === 1) return { kind: 'done', value: { resource: result, version: newVersion } };
      return (await current(trace, result.patientId, result.id)) === null ? { kind: 'not-found' } : { kind: 'precondition-failed' };
    },

    async remove(trace, patientId, id, condition) {
      const outcome = await operations.run(trace, 'tests.deleteOne', { idempotent: true }, (db) => tests(db).deleteOne(withCondition(byId(patientId, id), condition)));
      if (outcome.deletedCount === 1) return { kind: 'done', value: undefined };
      return (await current(trace, patientId, id)) === null ? { kind: 'not-found' } : { kind: 'precondition-failed' };
    },

    async removeAllOf(trace, patientId) {
      await operations.run(trace, 'tests.deleteMany', { idempotent: true }, (db) => tests(db).deleteMany({ patientId: { $eq: patientId } }));
    },
  };
}

function toTestResult(document: TestResultDocument): TestResult {
  const result: TestResult = {
    id: document.id,
    patientId: document.patientId,
    lastUpdated: document.lastUpdated,
    observations: Array.isArray(document.observations) ? document.observations : [],
  };
  if (document.performer !== undefined) result.performer = document.performer;
  if (document.orderReference !== undefined) result.orderReference = document.orderReference;
  return result;
}

