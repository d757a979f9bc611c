import { expect } from 'chai';
import { cycles, folderGraph, readImportGraph } from './import-graph';

describe('the import graph of the repository', () => {
  const graph = readImportGraph();

  it('finds a cycle where there is one (the check can fail)', () => {
    const edges = new Map([['twin/mongo/collection.ts', ['twin/mongo/indexes.ts']], ['twin/mongo/indexes.ts', ['twin/mongo/query.ts']], ['twin/mongo/query.ts', ['twin/mongo/collection.ts']], ['twin/mongo/errors.ts', []]]);
    expect(cycles(edges)).to.deep.equal([['twin/mongo/collection.ts', 'twin/mongo/indexes.ts', 'twin/mongo/query.ts']]);
  });

  it('has no cycle between files', () => {
    expect(cycles(graph.imports)).to.deep.equal([]);
  });

  it('has no cycle between the areas of the layout (each top-level folder, and each folder directly under twin/, tool/, functions/ and test/)', () => {
    expect(cycles(folderGraph(graph))).to.deep.equal([]);
  });
});
