import { expect } from 'chai';
import type { MongoServerError } from 'mongodb';
import type { ContractSuite } from './target';

/**
 * A duplicate-key error as the suite's target words it: MongoDB names the index and the repeated
 * key (and returns keyPattern/keyValue); Cosmos DB names only the collection.
 */
export function expectDuplicateKey(
  suite: ContractSuite,
  error: MongoServerError,
  collection: string,
  mongodb: { index: string; keyPattern: object; keyValue: object; dupKey?: string },
): void {
  expect(error.code).to.equal(11000);
  const ns = `${suite.db.databaseName}.${collection}`;
  if (suite.profile === 'cosmos') {
    expect(error.message).to.equal(`E11000 duplicate key error collection: ${ns}. Failed _id or unique index constraint.`);
    expect(error.keyPattern).to.equal(undefined);
    return;
  }
  expect(error.message).to.contain(`E11000 duplicate key error collection: ${ns} index: ${mongodb.index} dup key: `);
  if (mongodb.dupKey !== undefined) expect(error.message).to.match(new RegExp(`dup key: ${mongodb.dupKey.replace(/[{}]/g, '\\$&')}$`));
  expect(error.keyPattern).to.deep.equal(mongodb.keyPattern);
  expect(error.keyValue).to.deep.equal(mongodb.keyValue);
}
