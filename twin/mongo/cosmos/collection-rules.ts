import { calculateObjectSize } from 'bson';
import type { CollectionRules } from '../collection';
import { documentTooLargeError, duplicateKeyError } from './messages';

/** Cosmos DB's default document limit (feature-support-42.md, "Data types"); 16 MB needs a capability. */
const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

/**
 * Documents as Cosmos DB keeps them: at most 2 MB, its own duplicate-key text, TTL on `_ts`, and
 * `sparse` ignored, so documents without a unique index's field collide (user reports, 2023-2024).
 */
export const cosmosCollectionRules: CollectionRules = {
  duplicateKey: (ns) => duplicateKeyError(ns),
  checkDocument(doc) {
    if (calculateObjectSize(doc) > MAX_DOCUMENT_BYTES) throw documentTooLargeError();
  },
  expiresOnTs: true,
  honoursSparse: false,
};
