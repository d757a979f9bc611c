import type { Document } from 'bson';
import type { IndexSpec } from './indexes';

/**
 * Cosmos DB's time to live (docs: mongodb/time-to-live.md, nosql/time-to-live.md): a TTL index is
 * an index on `_ts`, the time of a document's last write in epoch seconds, with `expireAfterSeconds`
 * as the collection's default (-1: none); a root-level `ttl` field overrides it per document.
 */
export const TS_FIELD = '_ts';
const NEVER = -1;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The collection's default expiry from its `_ts` TTL index, or undefined without one. */
export function defaultTtlOf(specs: Iterable<IndexSpec>): number | undefined {
  for (const spec of specs) {
    const fields = Object.keys(spec.key);
    if (fields.length === 1 && fields[0] === TS_FIELD && typeof spec.expireAfterSeconds === 'number') return spec.expireAfterSeconds;
  }
  return undefined;
}

/**
 * A document's own `ttl`, when it is one Cosmos DB honours: an int32 (or an int64 or integral double
 * that fits one) that is positive or -1. Anything else is stored but ignored, so the default applies.
 */
export function documentTtl(doc: Document): number | undefined {
  const value = doc.ttl as unknown;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) return undefined;
  return value > 0 || value === NEVER ? value : undefined;
}

/** When (epoch seconds) a document written at `writtenAt` expires under `defaultTtl`; undefined if never. */
export function expiresAt(doc: Document, writtenAt: number, defaultTtl: number): number | undefined {
  const ttl = documentTtl(doc) ?? defaultTtl;
  return ttl === NEVER ? undefined : writtenAt + ttl;
}
