import { ObjectId, type Document } from 'bson';
import { aggregate, update as applyOperators } from 'mingo';
import { CommandError, ErrorCode } from './errors';
import { QUERY_OPTIONS, withQueryErrors } from './query-options';
import { isEqualityOperand, valueKey } from './value-key';

const UPDATE_OPERATORS = new Set([
  '$set', '$unset', '$inc', '$mul', '$rename', '$min', '$max', '$currentDate',
  '$push', '$addToSet', '$pop', '$pull', '$pullAll', '$bit', '$setOnInsert',
]);

export type UpdateSpec = Document | Document[];

export interface UpdateOptions {
  arrayFilters?: Document[];
  /** The document is being created by an upsert: `$setOnInsert` applies. */
  inserting: boolean;
}

/** Copies plain objects and arrays; BSON values and dates are shared, as stored documents are never mutated. */
export function copyDocument<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyDocument) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const copy: Document = {};
    for (const [field, fieldValue] of Object.entries(value)) copy[field] = copyDocument<unknown>(fieldValue);
    return copy as T;
  }
  return value;
}

export function isOperatorUpdate(spec: UpdateSpec): boolean {
  if (Array.isArray(spec)) return false;
  const first = Object.keys(spec)[0];
  return first !== undefined && first.startsWith('$');
}

/** The new version of `doc` under an update: operators, a replacement document or a pipeline. */
export function applyUpdate(doc: Document, spec: UpdateSpec, options: UpdateOptions): Document {
  let next: Document;
  if (Array.isArray(spec)) {
    const pipeline = spec;
    next = withQueryErrors(() => aggregate([copyDocument(doc)], pipeline, QUERY_OPTIONS)[0]);
  } else if (isOperatorUpdate(spec)) {
    next = copyDocument(doc);
    const modifier = operatorsFor(spec, options.inserting);
    const assigned = modifier.$set as Document | undefined;
    if (assigned && '_id' in assigned) {
      // mingo refuses any $set of _id; MongoDB allows it when the value does not change (or on upsert insert).
      const { _id: id, ...rest } = assigned;
      if (doc._id === undefined) next._id = id as unknown;
      else if (valueKey(id) !== valueKey(doc._id)) throw immutableIdError();
      if (Object.keys(rest).length > 0) modifier.$set = rest;
      else delete modifier.$set;
    }
    if (Object.keys(modifier).length > 0) {
      withQueryErrors(() => {
        try {
          applyOperators(next, modifier, options.arrayFilters, undefined, { cloneMode: 'none', queryOptions: QUERY_OPTIONS });
        } catch (error) {
          if ((error as Error).message.includes("immutable field '_id'")) throw immutableIdError();
          throw error;
        }
      });
    }
  } else {
    for (const field of Object.keys(spec)) {
      if (field.startsWith('$')) {
        throw new CommandError(ErrorCode.FailedToParse, `The dollar ($) prefixed field '${field}' in '${field}' is not allowed in the context of an update's replacement document.`);
      }
    }
    next = { _id: doc._id as unknown, ...copyDocument(spec) };
  }
  if (doc._id !== undefined && valueKey(next._id) !== valueKey(doc._id)) throw immutableIdError();
  return idFirst(next);
}

function immutableIdError(): CommandError {
  return new CommandError(ErrorCode.ImmutableField, "Performing an update on the path '_id' would modify the immutable field '_id'");
}

function operatorsFor(spec: Document, inserting: boolean): Document {
  const modifier: Document = {};
  for (const [operator, fields] of Object.entries(spec)) {
    if (!UPDATE_OPERATORS.has(operator)) {
      throw new CommandError(
        ErrorCode.FailedToParse,
        `Unknown modifier: ${operator}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (fields === null || typeof fields !== 'object') {
      throw new CommandError(ErrorCode.FailedToParse, `Modifiers operate on fields but we found type ${typeof fields} instead.`);
    }
    if (operator === '$setOnInsert') {
      if (inserting) modifier.$set = { ...(modifier.$set as Document | undefined), ...(fields as Document) };
      continue;
    }
    modifier[operator] = operator === '$set' ? { ...(modifier.$set as Document | undefined), ...(fields as Document) } : (fields as unknown);
  }
  return modifier;
}

/** The document an upsert starts from: the filter's equality conditions (including inside `$and`). */
function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  const visit = (conditions: Document): void => {
    for (const [field, condition] of Object.entries(conditions)) {
      if (field === '$and' && Array.isArray(condition)) {
        for (const part of condition as Document[]) visit(part);
      } else if (!field.startsWith('$')) {
        if (isEqualityOperand(condition)) setPath(seed, field, condition);
        else if (condition !== null && typeof condition === 'object' && '$eq' in condition) setPath(seed, field, (condition as Document).$eq);
      }
    }
  };
  visit(filter);
  return seed;
}

function setPath(target: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = target;
  for (const part of parts.slice(0, -1)) {
    if (current[part] === null || typeof current[part] !== 'object') current[part] = {};
    current = current[part] as Document;
  }
  current[parts[parts.length - 1]] = copyDocument(value);
}

/** Builds the document an upsert inserts. */
export function upsertDocument(filter: Document, spec: UpdateSpec, arrayFilters: Document[] | undefined): Document {
  const seed = upsertSeed(filter);
  let doc: Document;
  if (isOperatorUpdate(spec) || Array.isArray(spec)) {
    doc = applyUpdate(seed, spec, { arrayFilters, inserting: true });
  } else {
    doc = applyUpdate({}, spec, { arrayFilters, inserting: true });
    if (doc._id === undefined && seed._id !== undefined) doc._id = seed._id as unknown;
  }
  if (seed._id !== undefined && valueKey(doc._id) !== valueKey(seed._id)) throw immutableIdError();
  return withId(doc);
}

/** A document ready to insert: `_id` first, generated when absent, and of an allowed type. */
export function withId(doc: Document): Document {
  const id = doc._id as unknown;
  if (Array.isArray(id)) throw new CommandError(ErrorCode.InvalidIdField, "The '_id' value cannot be of type array");
  if (id instanceof RegExp) throw new CommandError(ErrorCode.InvalidIdField, "The '_id' value cannot be of type regex");
  if (id === undefined) {
    const { _id: _absent, ...rest } = doc;
    return { _id: new ObjectId(), ...rest };
  }
  return idFirst(doc);
}

function idFirst(doc: Document): Document {
  const fields = Object.keys(doc);
  if (fields[0] === '_id' || !('_id' in doc)) return doc;
  const { _id, ...rest } = doc;
  return { _id: _id as unknown, ...rest };
}
