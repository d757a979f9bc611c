import type { Document } from 'bson';
import { Query } from 'mingo';
import { CommandError, ErrorCode, badValue } from './errors';
import { QUERY_OPTIONS } from './query-options';
import { formatKeyValue, valueKey } from './value-key';

export type IndexKey = Record<string, number | string>;

/** An index as listIndexes shows it. */
export interface IndexSpec {
  v: number;
  key: IndexKey;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
}

export const ID_INDEX_NAME = '_id_';

/** A unique index a document would break, with the key values it repeats. */
export interface IndexConflict {
  spec: Pick<IndexSpec, 'name' | 'key'>;
  keyValue: Document;
}

/** One index entry: its map key and the field values it was built from (for error messages). */
interface IndexEntry {
  key: string;
  values: Document;
}

/**
 * A secondary index kept as a hash map from key to document keys. It serves
 * equality lookups and enforces `unique`; range order is left to the query's sort.
 */
export class EqualityIndex {
  readonly fields: string[];
  private readonly entries = new Map<string, Set<string>>();
  private readonly partial?: Query;

  private readonly sparse: boolean;

  /** `honourSparse` false: `sparse` is kept in the spec but every document is indexed (Cosmos DB). */
  constructor(
    readonly spec: IndexSpec,
    honourSparse = true,
  ) {
    this.fields = Object.keys(spec.key);
    this.sparse = honourSparse && spec.sparse === true;
    if (spec.partialFilterExpression) this.partial = new Query(spec.partialFilterExpression, QUERY_OPTIONS);
  }

  /** Whether equality lookups may use this index (partial and sparse indexes leave documents out). */
  get servesLookups(): boolean {
    return !this.partial && !this.sparse;
  }

  lookup(values: unknown[]): Set<string> | undefined {
    return this.entries.get(values.map(valueKey).join('\u0000'));
  }

  /** The unique-key clash the document would cause with a holder `counts` (not itself, not expired), if any. */
  conflictFor(doc: Document, counts: (holder: string) => boolean): IndexConflict | undefined {
    if (!this.spec.unique) return undefined;
    for (const entry of this.entriesOf(doc)) {
      const holders = this.entries.get(entry.key);
      if (!holders) continue;
      for (const holder of holders) {
        if (counts(holder)) return { spec: this.spec, keyValue: entry.values };
      }
    }
    return undefined;
  }

  add(doc: Document, docKey: string): void {
    for (const entry of this.entriesOf(doc)) {
      const holders = this.entries.get(entry.key);
      if (holders) holders.add(docKey);
      else this.entries.set(entry.key, new Set([docKey]));
    }
  }

  remove(doc: Document, docKey: string): void {
    for (const entry of this.entriesOf(doc)) {
      const holders = this.entries.get(entry.key);
      if (!holders) continue;
      holders.delete(docKey);
      if (holders.size === 0) this.entries.delete(entry.key);
    }
  }

  private entriesOf(doc: Document): IndexEntry[] {
    if (this.partial && !this.partial.test(doc)) return [];
    const perField = this.fields.map((field) => valuesAtPath(doc, field));
    if (this.sparse && perField.every((values) => values.length === 0)) return [];
    let combos: IndexEntry[] = [{ key: '', values: {} }];
    this.fields.forEach((field, position) => {
      const values = perField[position].length === 0 ? [null] : perField[position];
      const next: IndexEntry[] = [];
      for (const combo of combos) {
        for (const value of values) {
          const part = valueKey(value);
          next.push({ key: position === 0 ? part : `${combo.key}\u0000${part}`, values: { ...combo.values, [field]: value } });
        }
      }
      combos = next;
    });
    return dedupe(combos);
  }
}

function dedupe(entries: IndexEntry[]): IndexEntry[] {
  if (entries.length < 2) return entries;
  const seen = new Map<string, IndexEntry>();
  for (const entry of entries) if (!seen.has(entry.key)) seen.set(entry.key, entry);
  return [...seen.values()];
}

/**
 * The values a document holds at a dotted path, expanding arrays as a multikey
 * index does. A missing field yields no values; an empty array yields null for an
 * index (MongoDB indexes it as undefined) and nothing for distinct.
 */
export function valuesAtPath(doc: unknown, path: string, emptyArrayAsNull = true): unknown[] {
  const out: unknown[] = [];
  collect(doc, path.split('.'), 0, out, emptyArrayAsNull);
  return out;
}

function collect(current: unknown, parts: string[], depth: number, out: unknown[], emptyArrayAsNull: boolean): void {
  if (depth === parts.length) {
    if (Array.isArray(current)) {
      if (current.length === 0) {
        if (emptyArrayAsNull) out.push(null);
      } else {
        out.push(...(current as unknown[]));
      }
    } else if (current !== undefined) {
      out.push(current);
    }
    return;
  }
  if (current === null || typeof current !== 'object') return;
  const part = parts[depth];
  if (Array.isArray(current)) {
    if (/^\d+$/.test(part)) collect(current[Number(part)], parts, depth + 1, out, emptyArrayAsNull);
    else for (const element of current) collect(element, parts, depth, out, emptyArrayAsNull);
    return;
  }
  collect((current as Document)[part], parts, depth + 1, out, emptyArrayAsNull);
}

/** MongoDB's duplicate-key error, naming the index and the repeated key. */
export function duplicateKeyError(ns: string, { spec, keyValue }: IndexConflict): CommandError {
  return new CommandError(
    ErrorCode.DuplicateKey,
    `E11000 duplicate key error collection: ${ns} index: ${spec.name} dup key: ${formatKeyValue(keyValue)}`,
    { keyPattern: { ...spec.key }, keyValue },
  );
}

/** Validates a createIndexes entry and fills in MongoDB's defaults. */
export function normalizeIndexSpec(raw: unknown): IndexSpec {
  if (raw === null || typeof raw !== 'object') throw badValue('each index specification must be an object');
  const input = raw as Document;
  const key = input.key as unknown;
  if (key === null || typeof key !== 'object' || Array.isArray(key) || Object.keys(key).length === 0) {
    throw new CommandError(ErrorCode.CannotCreateIndex, 'Index key pattern must be a non-empty object');
  }
  for (const [field, direction] of Object.entries(key as Document)) {
    if (field === '' || (typeof direction !== 'number' && typeof direction !== 'string') || direction === 0) {
      throw new CommandError(ErrorCode.CannotCreateIndex, `Values in the index key pattern can contain only non-zero numbers or strings: ${field}`);
    }
  }
  const indexKey = key as IndexKey;
  if (typeof input.name !== 'string' || input.name === '') {
    throw new CommandError(ErrorCode.CannotCreateIndex, 'The index name must be a non-empty string');
  }
  const spec: IndexSpec = { v: 2, key: { ...indexKey }, name: input.name };
  if (input.unique === true) spec.unique = true;
  if (input.sparse === true) spec.sparse = true;
  if (input.partialFilterExpression !== undefined) spec.partialFilterExpression = input.partialFilterExpression as Document;
  if (typeof input.expireAfterSeconds === 'number') spec.expireAfterSeconds = input.expireAfterSeconds;
  return spec;
}

/** Whether two specs describe the same index (the name aside), as createIndexes decides "already exists". */
export function sameIndexDefinition(a: IndexSpec, b: IndexSpec): boolean {
  return (
    valueKey(a.key) === valueKey(b.key) &&
    Boolean(a.unique) === Boolean(b.unique) &&
    Boolean(a.sparse) === Boolean(b.sparse) &&
    valueKey(a.partialFilterExpression) === valueKey(b.partialFilterExpression)
  );
}
