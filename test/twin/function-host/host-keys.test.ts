import { expect } from 'chai';
import { presentedFunctionKey } from '../../../twin/function-host/host-keys';

describe('presented function key', () => {
  it('reads the key from x-functions-key, which wins over the code query parameter', () => {
    expect(presentedFunctionKey({ 'x-functions-key': 'h' }, new URLSearchParams('code=q'))).to.equal('h');
    expect(presentedFunctionKey({}, new URLSearchParams('code=q'))).to.equal('q');
    expect(presentedFunctionKey({}, new URLSearchParams())).to.equal(undefined);
  });
});
