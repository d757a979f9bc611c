import type { Document } from 'bson';
import type { Collection } from '../collection';
import type { IndexSpec } from '../indexes';
import { compositeIndexMissingError, orderByExcludedError } from './messages';

/**
 * Cosmos DB serves a sort only from an index (indexing.md, "Compound indexes"): `_id` (always
 * indexed) or the shard key alone; one other field from a single-field index on it (either
 * direction) or a wildcard index covering it; several fields from a compound index whose fields
 * match the sort exactly, in order, with the same directions or all of them reversed.
 */
export function checkSortServed(collection: Collection | undefined, sort: Document | undefined): void {
  if (!sort) return;
  const fields = Object.keys(sort);
  if (fields.length === 0) return;
  const specs = collection?.indexSpecs() ?? [];
  if (fields.length === 1) {
    const [field] = fields;
    if (field === '_id' || field === collection?.shardKey) return;
    if (specs.some((spec) => servesSingleField(spec, field))) return;
    throw orderByExcludedError();
  }
  if (specs.some((spec) => servesCompound(spec, fields, sort))) return;
  throw compositeIndexMissingError();
}

/** A multi-field sort in findAndModify: feature-support-42.md lists only single-field sorts for it. */
export function checkFindAndModifySort(collection: Collection | undefined, sort: Document | undefined): void {
  if (sort && Object.keys(sort).length > 1) throw compositeIndexMissingError();
  checkSortServed(collection, sort);
}

function servesSingleField(spec: IndexSpec, field: string): boolean {
  const keys = Object.keys(spec.key);
  if (keys.length !== 1) return false;
  const [key] = keys;
  if (key === field || key === '$**') return true;
  return key.endsWith('.$**') && field.startsWith(key.slice(0, -'$**'.length));
}

function servesCompound(spec: IndexSpec, fields: string[], sort: Document): boolean {
  const keys = Object.keys(spec.key);
  if (keys.length !== fields.length || keys.some((key, position) => key !== fields[position])) return false;
  const same = fields.every((field) => sign(spec.key[field]) === sign(sort[field]));
  const reversed = fields.every((field) => sign(spec.key[field]) === -sign(sort[field]));
  return same || reversed;
}

function sign(direction: unknown): number {
  return typeof direction === 'number' && direction < 0 ? -1 : 1;
}
