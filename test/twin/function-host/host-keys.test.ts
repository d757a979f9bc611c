import { expect } from 'chai';
import { HostKeys, presentedFunctionKey } from '../../../twin/function-host/host-keys';

describe('host keys', () => {
  const keys = new HostKeys({ 'caller-a': 'key-a-0123456789', 'caller-b': 'key-b-0123456789' });

  it('accepts either slot and refuses anything else, whatever its length', () => {
    expect([keys.accepts('key-a-0123456789'), keys.accepts('key-b-0123456789')]).to.deep.equal([true, true]);
    for (const wrong of ['key-c-0123456789', 'key-a', 'key-a-0123456789-and-more', '', undefined]) expect(keys.accepts(wrong), String(wrong)).to.equal(false);
    expect(new HostKeys({}).accepts('key-a-0123456789')).to.equal(false);
  });

  it('reads the key from x-functions-key, else from the code query parameter', () => {
    expect(presentedFunctionKey({ 'x-functions-key': 'h' }, new URLSearchParams('code=q'))).to.equal('h');
    expect(presentedFunctionKey({}, new URLSearchParams('code=q'))).to.equal('q');
    expect(presentedFunctionKey({}, new URLSearchParams())).to.equal(undefined);
  });
});
