import type { Document } from 'bson';
import type { Collection } from '../collection';
import { CommandError, ErrorCode } from '../errors';
import { checkSortServed } from './sort-rule';

/** Stages feature-support-42.md lists as unsupported on 4.2 (mingo would run them). */
const UNSUPPORTED_STAGES = new Set([
  '$bucket', '$bucketAuto', '$collStats', '$currentOp', '$graphLookup', '$indexStats', '$listLocalSessions', '$listSessions',
]);

/** Stages that keep a pipeline's documents the collection's own, so a `$sort` after them still reads an index. */
const DOCUMENT_PRESERVING = new Set(['$match', '$sort']);

/**
 * Refuses what Cosmos DB's 4.2 aggregation does not run: the unsupported stages, `$lookup` with
 * `let`/`pipeline` (feature-support-42.md: "Partial"), and a `$sort` over the collection's documents
 * that no index serves (the sort rule of find).
 */
export function checkCosmosPipeline(collection: Collection | undefined, pipeline: readonly Document[]): void {
  let overCollection = true;
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0];
    if (UNSUPPORTED_STAGES.has(name)) throw new CommandError(ErrorCode.UnrecognizedPipelineStage, `Unrecognized pipeline stage name: '${name}'`);
    if (name === '$lookup') checkLookup(stage.$lookup as unknown);
    if (name === '$sort' && overCollection) checkSortServed(collection, stage.$sort as Document);
    overCollection &&= DOCUMENT_PRESERVING.has(name);
  }
}

function checkLookup(spec: unknown): void {
  if (spec === null || typeof spec !== 'object') return;
  for (const field of ['let', 'pipeline']) {
    if (field in spec) throw new CommandError(ErrorCode.FailedToParse, `Unrecognized parameter to $lookup: ${field}`);
  }
}
