import { MongoServerError, type Db } from 'mongodb';
import { collectionDeclaration, IDEMPOTENCY_TTL_SECONDS, PATIENTS_DATABASE } from '../../../contracts/collections';
import type { DatabaseOperations } from '../../shared/src/database-operations';
import { HttpProblem } from '../../shared/src/problem';
import type { TraceContext } from '../../shared/src/trace-context';

export const IDEMPOTENCY_COLLECTION = collectionDeclaration(PATIENTS_DATABASE, 'idempotency').name;

/**
 * Replays are kept for a day: the collection's TTL index on `_ts` removes them (Cosmos DB hides an
 * expired item at once). The app also treats an older record as gone, so a database without TTL
 * (a plain MongoDB) replays nothing stale either.
 */
export { IDEMPOTENCY_TTL_SECONDS };

/** Which resource a create made: all a stored replay keeps (no personal data). */
export interface ResourceRef {
  type: 'patient' | 'test-result';
  patientId: string;
  id: string;
}

/** What the first POST created: replayed by reading that resource as it is now, so nothing personal is kept here. */
export interface StoredResponse {
  status: 201;
  ref: ResourceRef;
}

export interface IdempotencyRecord {
  requestHash: string;
  state: 'pending' | 'done';
  createdAt: Date;
  response?: StoredResponse;
}

interface IdempotencyDocument extends IdempotencyRecord {
  /** sha256 of caller, operation, route and the client's key; also the shard key `key`. */
  _id: string;
  key: string;
  /** Set once the response exists, so erasing a patient also erases replays that carry their data. */
  patientId?: string;
}

export type ClaimOutcome = { kind: 'claimed' } | { kind: 'taken'; record: IdempotencyRecord };

export interface IdempotencyStore {
  /** The unique insert is the lock: of concurrent claims on one key exactly one succeeds. */
  claim(trace: TraceContext, key: string, requestHash: string, now: Date): Promise<ClaimOutcome>;
  /** Takes over a claim whose holder never finished (crashed) if it is still the one seen. */
  takeOver(trace: TraceContext, key: string, seenCreatedAt: Date, now: Date): Promise<boolean>;
  read(trace: TraceContext, key: string): Promise<IdempotencyRecord | undefined>;
  complete(trace: TraceContext, key: string, patientId: string, response: StoredResponse): Promise<void>;
  release(trace: TraceContext, key: string): Promise<void>;
  removeAllOf(trace: TraceContext, patientId: string): Promise<void>;
}

export function createIdempotencyStore(operations: DatabaseOperations): IdempotencyStore {
  const records = (db: Db) => db.collection<IdempotencyDocument>(IDEMPOTENCY_COLLECTION);

  async function read(trace: TraceContext, key: string): Promise<IdempotencyRecord | undefined> {
    const found = await operations.run(trace, 'idempotency.findOne', { idempotent: true }, (db) => records(db).findOne({ _id: { $eq: key } }));
    if (found === null) return undefined;
    const record: IdempotencyRecord = { requestHash: found.requestHash, state: found.state, createdAt: found.createdAt };
    if (found.response !== undefined) record.response = found.response;
    return record;
  }

  return {
    async claim(trace, key, requestHash, now) {
      // A claim released between our failed insert and the read is tried again, a few times at most.
      for (let round = 0; round < 3; round += 1) {
        try {
          await operations.run(trace, 'idempotency.insertOne', { idempotent: false }, (db) =>
            records(db).insertOne({ _id: key, key, requestHash, state: 'pending', createdAt: now }),
          );
          return { kind: 'claimed' };
        } catch (error) {
          if (!(error instanceof MongoServerError && error.code === 11000)) throw error;
        }
        const record = await read(trace, key);
        if (record === undefined) continue;
        if (now.getTime() - record.createdAt.getTime() <= IDEMPOTENCY_TTL_SECONDS * 1000) return { kind: 'taken', record };
        await operations.run(trace, 'idempotency.deleteOne', { idempotent: true }, (db) =>
          records(db).deleteOne({ _id: { $eq: key }, createdAt: { $eq: record.createdAt } }),
        );
      }
      throw new HttpProblem('idempotencyInProgress', { retryAfterSeconds: 1 });
    },

    async takeOver(trace, key, seenCreatedAt, now) {
      const result = await operations.run(trace, 'idempotency.updateOne', { idempotent: false }, (db) =>
        records(db).updateOne({ _id: { $eq: key }, state: { $eq: 'pending' }, createdAt: { $eq: seenCreatedAt } }, { $set: { createdAt: now } }),
      );
      return result.modifiedCount === 1;
    },

    read,

    async complete(trace, key, patientId, response) {
      await operations.run(trace, 'idempotency.updateOne', { idempotent: true }, (db) =>
        records(db).updateOne({ _id: { $eq: key } }, { $set: { state: 'done', response, patientId } }),
      );
    },

    async release(trace, key) {
      await operations.run(trace, 'idempotency.deleteOne', { idempotent: true }, (db) => records(db).deleteOne({ _id: { $eq: key }, state: { $eq: 'pending' } }));
    },

    async removeAllOf(trace, patientId) {
      await operations.run(trace, 'idempotency.deleteMany', { idempotent: true }, (db) => records(db).deleteMany({ patientId: { $eq: patientId } }));
    },
  };
}
