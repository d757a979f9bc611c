import type { Document } from 'bson';
import type { Collection, CollectionRules } from './collection';
import type { IndexSpec } from './indexes';
import { duplicateKeyError } from './indexes';

/** Which database the twin imitates: Azure Cosmos DB for MongoDB (RU, 4.2), or plain MongoDB. */
export type ProfileName = 'cosmos' | 'mongodb';

export const PROFILE_NAMES: readonly ProfileName[] = ['cosmos', 'mongodb'];

/** What a profile decides about index changes, checked before any index of a command is built or dropped. */
export interface IndexRules {
  beforeCreate(collection: Collection | undefined, specs: readonly IndexSpec[]): void;
  beforeDrop(collection: Collection, specs: readonly IndexSpec[]): void;
}

/** What a profile decides about the sorts and pipelines of reads. */
export interface QueryRules {
  checkSort(collection: Collection | undefined, sort: Document | undefined): void;
  checkFindAndModifySort(collection: Collection | undefined, sort: Document | undefined): void;
  checkPipeline(collection: Collection | undefined, pipeline: readonly Document[]): void;
}

export interface ProfileRules {
  collections: CollectionRules;
  indexes: IndexRules;
  queries: QueryRules;
}

const accept = (): void => undefined;

/** MongoDB: any index, any sort, its own duplicate-key text; TTL indexes are accepted and inert. */
export const mongodbRules: ProfileRules = {
  collections: { duplicateKey: duplicateKeyError, checkDocument: accept, expiresOnTs: false, honoursSparse: true },
  indexes: { beforeCreate: accept, beforeDrop: accept },
  queries: { checkSort: accept, checkFindAndModifySort: accept, checkPipeline: accept },
};
