import { expect } from 'chai';
import { Collection } from '../../../twin/mongo/collection';
import { mongodbRules } from '../../../twin/mongo/rules';

describe('MongoDB twin collection: candidate documents for a filter', () => {
  const collection = new Collection('patients', 'patients', {}, {}, mongodbRules.collections, () => 0);
  collection.addIndex({ v: 2, key: { tag: 1 }, name: 'tag_1' });
  for (let i = 0; i < 1000; i += 1) collection.insert({ _id: `id-${i}`, tag: i % 2 === 0 ? ['even', `n${i}`] : `n${i}` }, 0);

  const ids = (filter: Record<string, unknown>) => {
    const { docs, exact } = collection.candidates(filter);
    return { ids: [...docs].map((doc) => doc._id as string), exact };
  };

  it('looks an `_id` up directly, given plainly or as { $eq } (the apps\' spelling), never scanning', () => {
    expect(ids({ _id: 'id-7' })).to.deep.equal({ ids: ['id-7'], exact: true });
    expect(ids({ _id: { $eq: 'id-7' } })).to.deep.equal({ ids: ['id-7'], exact: true });
    expect(ids({ _id: { $eq: 'id-7' }, tag: 'n7' })).to.deep.equal({ ids: ['id-7'], exact: false });
    expect(ids({ _id: { $eq: 'missing' } }).ids).to.deep.equal([]);
  });

  it('serves { $eq } on an indexed field from the index, array members included', () => {
    expect(ids({ tag: { $eq: 'n8' } })).to.deep.equal({ ids: ['id-8'], exact: true });
    expect(ids({ tag: { $eq: 'even' } }).ids).to.have.length(500);
  });

  it('finds equalities inside a top-level $and (how searches combine criteria), leaving the rest to matching', () => {
    expect(ids({ $and: [{ tag: { $eq: 'n9' } }, { _id: { $gt: 'a' } }] })).to.deep.equal({ ids: ['id-9'], exact: false });
    expect(ids({ $and: [{ _id: { $gt: 'a' } }, { _id: { $eq: 'id-3' } }] })).to.deep.equal({ ids: ['id-3'], exact: false });
    expect(ids({ $and: [{ tag: { $gt: 'n' } }] }).ids).to.have.length(1000);
  });

  it('scans for conditions an index cannot answer', () => {
    for (const filter of [{ _id: { $ne: 'id-7' } }, { _id: { $eq: 'id-7', $ne: 'id-8' } }, { tag: { $eq: ['even', 'n8'] } }, { tag: { $gt: 'n' } }]) {
      expect(ids(filter).ids, JSON.stringify(filter)).to.have.length(1000);
      expect(ids(filter).exact).to.equal(false);
    }
  });
});
