import type { Collection } from '../collection';
import { CommandError, ErrorCode } from '../errors';
import type { IndexKey, IndexSpec } from '../indexes';
import { TS_FIELD } from '../ttl';
import { nestedIndexError, ttlFieldError, uniqueIndexLockedError, uniqueIndexOnDataError } from './messages';

/** When an index change reaches a collection: together with its creation (CreateCollection, ARM) or afterwards. */
export type IndexChangeTiming = 'atCreation' | 'later';

function isWildcard(field: string): boolean {
  return field === '$**' || field.endsWith('.$**');
}

/**
 * Refuses an index Cosmos DB does not build: TTL anywhere but `_ts` (time-to-live.md), a compound or
 * unique index on a nested path (indexing.md; 115 as reported), a unique index on a sharded collection
 * that does not start with the shard key (indexing.md, "Unique indexes"; 67 as reported).
 */
export function checkIndexDefinition(spec: IndexSpec, shardKey: string | undefined): void {
  const fields = Object.keys(spec.key);
  if (spec.expireAfterSeconds !== undefined && !(fields.length === 1 && fields[0] === TS_FIELD)) throw ttlFieldError();
  const nested = fields.some((field) => field.includes('.') && !isWildcard(field));
  if (nested && (fields.length > 1 || spec.unique === true)) throw nestedIndexError();
  if (spec.unique === true && shardKey !== undefined && fields[0] !== shardKey) {
    throw new CommandError(
      ErrorCode.CannotCreateIndex,
      `cannot create unique index over ${formatPattern(spec.key)} with shard key pattern ${formatPattern({ [shardKey]: 1 })}`,
    );
  }
}

/**
 * Unique indexes only with the collection's creation: never added to a collection holding documents
 * (indexing.md, "Limitations"), and on a continuous-backup account never added, changed or dropped
 * afterwards at all (continuous-backup-restore-introduction.md, "Current limitations").
 */
export function checkUniqueIndexChange(
  collection: Collection | undefined,
  change: { added: readonly IndexSpec[]; dropped: readonly IndexSpec[] },
  timing: IndexChangeTiming,
  continuousBackup: boolean,
): void {
  if (timing === 'atCreation') return;
  const addsUnique = change.added.some((spec) => spec.unique === true);
  const dropsUnique = change.dropped.some((spec) => spec.unique === true);
  if (continuousBackup && (addsUnique || dropsUnique)) throw uniqueIndexLockedError();
  if (addsUnique && collection !== undefined && collection.size > 0) throw uniqueIndexOnDataError();
}

/** A key pattern as Cosmos DB prints it in this message: `{ a : 1.0, b : -1.0 }`. */
function formatPattern(key: IndexKey): string {
  const parts = Object.entries(key).map(([field, direction]) => `${field} : ${typeof direction === 'number' ? direction.toFixed(1) : JSON.stringify(direction)}`);
  return `{ ${parts.join(', ')} }`;
}
