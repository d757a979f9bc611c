import type { Db, Filter } from 'mongodb';
import { collectionDeclaration, PATIENTS_DATABASE } from '../../../contracts/collections';
import type { DatabaseOperations } from '../../shared/src/database-operations';
import type { IfMatch } from '../../shared/src/etag';
import { partialDateRange } from '../../shared/src/partial-date';
import type { TraceContext } from '../../shared/src/trace-context';
import { PATIENT_STRING_FIELDS, type Patient, type PatientFields, type Versioned } from './model';
import type { WriteOutcome } from './write-outcome';

export const PATIENTS_COLLECTION = collectionDeclaration(PATIENTS_DATABASE, 'patients').name;

/**
 * Stored form: the patient, its id also as `_id` (unique, and the shard key `id`), the
 * version token behind its ETag, and the first and last day its (possibly partial) date of
 * birth may be, so date ranges can be searched.
 */
interface PatientDocument extends Patient {
  _id: string;
  _version: string;
  _dateOfBirth: { first: string; last: string };
}

/** Only validated scalar values reach a filter, and always behind `$eq`. */
export interface PatientCriteria {
  equals: Partial<Record<(typeof PATIENT_STRING_FIELDS)[number] | 'id', string>>;
  dateOfBirthFrom?: string;
  dateOfBirthTo?: string;
}

export interface PatientStore {
  insert(trace: TraceContext, patient: Patient, version: string): Promise<void>;
  get(trace: TraceContext, id: string): Promise<Versioned<Patient> | undefined>;
  exists(trace: TraceContext, id: string): Promise<boolean>;
  replace(trace: TraceContext, id: string, fields: PatientFields, lastUpdated: string, condition: IfMatch, newVersion: string): Promise<WriteOutcome<Versioned<Patient>>>;
  remove(trace: TraceContext, id: string, condition: IfMatch): Promise<WriteOutcome<undefined>>;
  search(trace: TraceContext, criteria: PatientCriteria, limit: number, afterId: string | undefined): Promise<{ patients: Patient[]; lastId: string | undefined; more: boolean }>;
}

export function createPatientStore(operations: DatabaseOperations): PatientStore {
  const patients = (db: Db) => db.collection<PatientDocument>(PATIENTS_COLLECTION);

  function toDocument(patient: Patient, version: string): PatientDocument {
    const range = partialDateRange(patient.dateOfBirth);
    if (range === undefined) throw new Error('dateOfBirth reached the store unvalidated');
    return { ...patient, _id: patient.id, _version: version, _dateOfBirth: range };
  }

  async function currentVersion(trace: TraceContext, id: string): Promise<string | undefined> {
    const found = await operations.run(trace, 'patients.findOne', { idempotent: true }, (db) =>
      patients(db).findOne({ _id: { $eq: id } }, { projection: { _version: 1 } }),
    );
    return found?._version;
  }

  return {
    async insert(trace, patient, version) {
      await operations.run(trace, 'patients.insertOne', { idempotent: false }, (db) => patients(db).insertOne(toDocument(patient, version)));
    },

    async get(trace, id) {
      const found = await operations.run(trace, 'patients.findOne', { idempotent: true }, (db) => patients(db).findOne({ _id: { $eq: id } }));
      return found === null ? undefined : { resource: toPatient(found), version: found._version };
    },

    async exists(trace, id) {
      return (await currentVersion(trace, id)) !== undefined;
    },

    async replace(trace, id, fields, lastUpdated, condition, newVersion) {
      const patient: Patient = { ...fields, id, lastUpdated };
      const { _id: _unchanged, ...replacement } = toDocument(patient, newVersion);
      const result = await operations.run(trace, 'patients.replaceOne', { idempotent: false }, (db) =>
        patients(db).replaceOne(versionFilter(id, condition), replacement),
      );
      if (result.matchedCount === 1) return { kind: 'done', value: { resource: patient, version: newVersion } };
      return (await currentVersion(trace, id)) === undefined ? { kind: 'not-found' } : { kind: 'precondition-failed' };
    },

    async remove(trace, id, condition) {
      const result = await operations.run(trace, 'patients.deleteOne', { idempotent: true }, (db) => patients(db).deleteOne(versionFilter(id, condition)));
      if (result.deletedCount === 1) return { kind: 'done', value: undefined };
      return (await currentVersion(trace, id)) === undefined ? { kind: 'not-found' } : { kind: 'precondition-failed' };
    },

    async search(trace, criteria, limit, afterId) {
      const filter: Filter<PatientDocument> = {};
      const conditions: Filter<PatientDocument>[] = [];
      for (const [field, value] of Object.entries(criteria.equals)) {
        if (typeof value !== 'string') throw new Error('search criteria reached the store unvalidated');
        conditions.push({ [field === 'id' ? '_id' : field]: { $eq: value } });
      }
      // A partial date is a span of days: a patient matches when that span overlaps the searched one.
      if (criteria.dateOfBirthTo !== undefined) conditions.push({ '_dateOfBirth.first': { $lte: criteria.dateOfBirthTo } });
      if (criteria.dateOfBirthFrom !== undefined) conditions.push({ '_dateOfBirth.last': { $gte: criteria.dateOfBirthFrom } });
      if (afterId !== undefined) conditions.push({ _id: { $gt: afterId } });
      if (conditions.length > 0) filter.$and = conditions;
      const found = await operations.run(trace, 'patients.find', { idempotent: true }, (db) =>
        patients(db)
          .find(filter)
          .sort({ _id: 1 })
          .limit(limit + 1)
          .toArray(),
      );
      const page = found.slice(0, limit);
      return { patients: page.map(toPatient), lastId: page[page.length - 1]?._id, more: found.length > limit };
    },
  };
}

/** `If-Match` becomes part of the write's filter, so of two concurrent writers with one ETag exactly one wins. */
function versionFilter(id: string, condition: IfMatch): Filter<PatientDocument> {
  if (condition.kind === 'versions') return { _id: { $eq: id }, _version: { $in: condition.versions } };
  return { _id: { $eq: id } };
}

function toPatient(document: PatientDocument): Patient {
  const patient: Record<string, string> = { id: document.id, lastUpdated: document.lastUpdated };
  for (const field of PATIENT_STRING_FIELDS) {
    const value = document[field];
    if (value !== undefined) patient[field] = value;
  }
  return patient as Patient;
}
