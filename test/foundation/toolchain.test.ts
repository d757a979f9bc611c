import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('toolchain', () => {
  it('pins typescript exactly, so npm never resolves an incompatible major', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies.typescript).to.match(/^\d+\.\d+\.\d+$/);
  });
});
