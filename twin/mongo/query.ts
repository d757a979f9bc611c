import type { Document } from 'bson';
import { Aggregator, Query, ProcessingMode } from 'mingo';
import type { Collection } from './collection';
import { CommandError, ErrorCode } from './errors';
import { QUERY_OPTIONS, withQueryErrors } from './query-options';

export interface FindSpec {
  filter?: Document;
  sort?: Document;
  skip?: number;
  limit?: number;
  projection?: Document;
}

function isEmpty(doc: Document | undefined): boolean {
  if (!doc) return true;
  for (const _field in doc) return false;
  return true;
}

/** The documents a find-like command returns, index-assisted where the filter allows. */
export function findDocuments(collection: Collection | undefined, spec: FindSpec): Document[] {
  if (!collection) return [];
  const filter = spec.filter ?? {};
  const candidates = collection.candidates(filter);
  // Exact index hits (and an empty filter) need no matching; with at most one hit, no sorting either. Skip mingo then.
  const unordered = isEmpty(spec.sort) || (Array.isArray(candidates.docs) && candidates.docs.length <= 1);
  if (candidates.exact && unordered) {
    const docs = takeRange(candidates.docs, spec.skip ?? 0, spec.limit || Number.POSITIVE_INFINITY);
    return isEmpty(spec.projection) ? docs : docs.map((doc) => project(doc, spec.projection));
  }
  return withQueryErrors(() => {
    let cursor = new Query(filter, QUERY_OPTIONS).find<Document>(candidates.docs, isEmpty(spec.projection) ? undefined : spec.projection);
    if (!isEmpty(spec.sort)) cursor = cursor.sort(spec.sort as Record<string, 1 | -1>);
    if (spec.skip) cursor = cursor.skip(spec.skip);
    if (spec.limit) cursor = cursor.limit(spec.limit);
    return cursor.all();
  });
}

function takeRange(docs: Iterable<Document>, skip: number, limit: number): Document[] {
  const taken: Document[] = [];
  let position = 0;
  for (const doc of docs) {
    if (taken.length >= limit) break;
    if (position++ >= skip) taken.push(doc);
  }
  return taken;
}

export function project(doc: Document, projection: Document | undefined): Document {
  if (isEmpty(projection)) return doc;
  return withQueryErrors(() => new Query({}, QUERY_OPTIONS).find<Document>([doc], projection).all()[0]);
}

/** Runs an aggregation pipeline over a collection's documents; `$lookup` reads the same database. */
export function aggregateDocuments(
  collection: Collection | undefined,
  pipeline: Document[],
  resolve: (name: string) => Document[],
): Document[] {
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0];
    if (name === '$out' || name === '$merge') {
      throw new CommandError(ErrorCode.IllegalOperation, `${name} is not supported by the MongoDB twin`);
    }
  }
  let source: Document[];
  let rest = pipeline;
  const first = pipeline[0] as Document | undefined;
  if (first && Object.keys(first).length === 1 && first.$match && typeof first.$match === 'object') {
    source = findDocuments(collection, { filter: first.$match as Document });
    rest = pipeline.slice(1);
  } else {
    source = collection ? [...collection.visible()] : [];
  }
  if (rest.length === 0) return source;
  return withQueryErrors(() =>
    new Aggregator(rest, { ...QUERY_OPTIONS, processingMode: ProcessingMode.CLONE_INPUT, collectionResolver: resolve }).run<Document>(source),
  );
}
