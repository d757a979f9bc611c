import type { Document } from 'bson';
import { CommandError, ErrorCode } from './errors';
import { EqualityIndex, ID_INDEX_NAME, duplicateKeyError, type IndexSpec } from './indexes';
import { isEqualityOperand, valueKey } from './value-key';

/** Documents that may match a filter; `exact` when every one of them does (no filtering needed). */
export interface Candidates {
  docs: Iterable<Document>;
  exact: boolean;
}

const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: ID_INDEX_NAME };

/**
 * The documents of one collection, in insertion order, keyed by `_id`, with its
 * secondary indexes. Stored documents are never mutated: an update stores a new
 * object, so cursors holding earlier results stay consistent.
 */
export class Collection {
  private readonly docs = new Map<string, Document>();
  private readonly indexes = new Map<string, EqualityIndex>();

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Document = {},
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get size(): number {
    return this.docs.size;
  }

  all(): Iterable<Document> {
    return this.docs.values();
  }

  byId(id: unknown): Document | undefined {
    return this.docs.get(valueKey(id));
  }

  indexSpecs(): IndexSpec[] {
    return [ID_INDEX, ...[...this.indexes.values()].map((index) => index.spec)];
  }

  findIndex(name: string): IndexSpec | undefined {
    return name === ID_INDEX_NAME ? ID_INDEX : this.indexes.get(name)?.spec;
  }

  insert(doc: Document): void {
    const key = valueKey(doc._id);
    if (this.docs.has(key)) throw duplicateKeyError(this.ns, ID_INDEX, { _id: doc._id as unknown });
    for (const index of this.indexes.values()) {
      const conflict = index.conflictFor(this.ns, doc);
      if (conflict) throw conflict;
    }
    this.docs.set(key, doc);
    for (const index of this.indexes.values()) index.add(doc, key);
  }

  /** Swaps a stored document for its new version (same `_id`), keeping unique indexes intact. */
  replace(current: Document, next: Document): void {
    const key = valueKey(current._id);
    for (const index of this.indexes.values()) {
      const conflict = index.conflictFor(this.ns, next, key);
      if (conflict) throw conflict;
    }
    for (const index of this.indexes.values()) {
      index.remove(current, key);
      index.add(next, key);
    }
    this.docs.set(key, next);
  }

  remove(doc: Document): void {
    const key = valueKey(doc._id);
    if (!this.docs.delete(key)) return;
    for (const index of this.indexes.values()) index.remove(doc, key);
  }

  addIndex(spec: IndexSpec): void {
    const index = new EqualityIndex(spec);
    for (const [key, doc] of this.docs) {
      const conflict = index.conflictFor(this.ns, doc);
      if (conflict) throw conflict;
      index.add(doc, key);
    }
    this.indexes.set(spec.name, index);
  }

  dropIndex(name: string): void {
    if (name === ID_INDEX_NAME) throw new CommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
    if (!this.indexes.delete(name)) throw new CommandError(ErrorCode.IndexNotFound, `index not found with name [${name}]`);
  }

  /**
   * Documents that may match the filter: the exact `_id` or index hits for an equality (plain,
   * `$eq`, or `$in` on `_id`) on `_id` or on all fields of an index, at the top level or in a
   * top-level `$and`; else every document. `exact` when no further matching is needed.
   */
  candidates(filter: Document): Candidates {
    const conditions = fieldConditions(filter);
    const plain = !('$and' in filter);
    const filterFields = Object.keys(filter);
    for (const id of conditions.get('_id') ?? []) {
      const exact = plain && filterFields.length === 1;
      const equal = equalityOperand(id);
      if (equal) return { docs: this.pick([valueKey(equal.value)]), exact };
      const inList = inOperands(id);
      if (inList) return { docs: this.pick(inList.map(valueKey)), exact };
    }
    for (const index of this.indexes.values()) {
      if (!index.servesLookups) continue;
      const operands = index.fields.map((field) => (conditions.get(field) ?? []).map(equalityOperand).find((operand) => operand !== undefined));
      if (!operands.every((operand) => operand !== undefined)) continue;
      const values = operands.map((operand) => operand.value);
      // Null also finds documents whose array is empty (indexed as null), which {f: null} does not match.
      const exact = plain && filterFields.length === index.fields.length && values.every((value) => value !== null);
      return { docs: this.pick([...(index.lookup(values) ?? [])]), exact };
    }
    return { docs: this.docs.values(), exact: filterFields.length === 0 };
  }

  private pick(keys: string[]): Document[] {
    const found: Document[] = [];
    for (const key of new Set(keys)) {
      const doc = this.docs.get(key);
      if (doc) found.push(doc);
    }
    return found;
  }
}

/**
 * The conditions on each field that every match must meet: the filter's own fields and those of
 * the members of its top-level `$and` (how the apps combine search criteria).
 */
function fieldConditions(filter: Document): Map<string, unknown[]> {
  const conditions = new Map<string, unknown[]>();
  const collect = (part: Document) => {
    for (const [field, condition] of Object.entries(part)) {
      if (field.startsWith('$')) continue;
      const list = conditions.get(field);
      if (list) list.push(condition);
      else conditions.set(field, [condition]);
    }
  };
  collect(filter);
  const and = filter.$and as unknown;
  if (Array.isArray(and)) for (const member of and) if (member !== null && typeof member === 'object' && !Array.isArray(member)) collect(member as Document);
  return conditions;
}

/**
 * The value of an equality condition, `value` or `{ $eq: value }` (the driver's and the apps'
 * spelling for ids taken from requests), when an index can look it up; else undefined.
 */
function equalityOperand(condition: unknown): { value: unknown } | undefined {
  if (isEqualityOperand(condition)) return { value: condition };
  if (condition === null || typeof condition !== 'object') return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== '$eq') return undefined;
  const value = (condition as { $eq: unknown }).$eq;
  return isEqualityOperand(value) ? { value } : undefined;
}

function inOperands(condition: unknown): unknown[] | undefined {
  if (condition === null || typeof condition !== 'object') return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== '$in') return undefined;
  const list = (condition as { $in: unknown }).$in;
  return Array.isArray(list) && list.every(isEqualityOperand) ? list : undefined;
}
