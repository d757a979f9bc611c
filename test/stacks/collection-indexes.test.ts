import { expect } from 'chai';
import { collectionDeclaration, IDEMPOTENCY_TTL_SECONDS, PATIENTS_DATABASE, type CollectionDeclaration, type IndexDeclaration } from '../../contracts/collections';
import { armIndexes, CollectionDeclarationError } from '../../stacks/collection-indexes';

function collectionWith(...indexes: IndexDeclaration[]): CollectionDeclaration {
  return { name: 'records', shardKey: 'tenant', indexes };
}

describe('stacks/collection-indexes (ARM index lists from contracts/collections.ts)', () => {
  it('lists _id first, then each declared index; the TTL index carries its expiry', () => {
    expect(armIndexes(collectionDeclaration(PATIENTS_DATABASE, 'idempotency'))).to.deep.equal([
      { key: { keys: ['_id'] } },
      { key: { keys: ['patientId'] } },
      { key: { keys: ['_ts'] }, options: { expireAfterSeconds: IDEMPOTENCY_TTL_SECONDS } },
    ]);
  });

  it('keeps compound keys in their declared order (a sort needs exactly that order)', () => {
    expect(armIndexes(collectionDeclaration(PATIENTS_DATABASE, 'tests'))).to.deep.equal([
      { key: { keys: ['_id'] } },
      { key: { keys: ['_created', '_id'] } },
    ]);
  });

  it('sends a unique index with the collection, marked unique', () => {
    expect(armIndexes(collectionWith({ name: 'code', keys: ['tenant', 'code'], unique: true }))).to.deep.equal([
      { key: { keys: ['_id'] } },
      { key: { keys: ['tenant', 'code'] }, options: { unique: true } },
    ]);
  });

  const refusals: Array<[string, IndexDeclaration, RegExp]> = [
    ['a TTL on a field other than _ts', { name: 'expiry', keys: ['expiresAt'], expireAfterSeconds: 60 }, /index expiry: a TTL index must be on _ts alone/],
    ['a unique index not led by the shard key', { name: 'code', keys: ['code', 'tenant'], unique: true }, /must lead with the shard key tenant/],
    ['a compound index on a nested path', { name: 'birth', keys: ['birth.first', 'birth.last'] }, /cannot use nested paths/],
    ['a unique index on a nested path', { name: 'birth', keys: ['tenant.id'], unique: true }, /cannot use nested paths/],
    ['an _id index of its own', { name: 'id', keys: ['_id'] }, /_id is always indexed/],
    ['an index without fields', { name: 'empty', keys: [] }, /at least one field/],
  ];
  for (const [what, index, message] of refusals) {
    it(`refuses ${what}, naming the collection and the index`, () => {
      expect(() => armIndexes(collectionWith(index))).to.throw(CollectionDeclarationError, message).with.property('message').that.matches(/^collection records, index /);
    });
  }
});
