import { expect } from 'chai';
import { parseCidr } from '../../../twin/network/cidr';
import { createAccessRestrictions } from '../../../twin/function-host/access-restrictions';

describe('source address ranges', () => {
  it('contains exactly the addresses of the range, IPv4-mapped included', () => {
    const range = parseCidr('127.0.1.0/24');
    expect(range.contains('127.0.1.1')).to.equal(true);
    expect(range.contains('127.0.1.255')).to.equal(true);
    expect(range.contains('::ffff:127.0.1.9')).to.equal(true);
    expect(range.contains('127.0.2.1')).to.equal(false);
    expect(range.contains('127.0.0.1')).to.equal(false);
    expect(range.contains('::1')).to.equal(false);
  });

  it('refuses malformed ranges', () => {
    expect(() => parseCidr('127.0.1.0')).to.throw(/invalid IPv4 range/);
    expect(() => parseCidr('127.0.1.0/33')).to.throw(/invalid IPv4 range/);
  });

  it('access restrictions admit only the allowed subnets (default deny)', () => {
    const admitted = createAccessRestrictions({ rules: [{ name: 'apim', action: 'Allow', ranges: ['127.0.1.0/24', '127.0.9.0/30'] }], defaultAction: 'Deny' });
    expect(admitted('127.0.1.20')).to.equal(true);
    expect(admitted('127.0.9.3')).to.equal(true);
    expect(admitted('127.0.9.4')).to.equal(false);
    expect(admitted('127.0.0.1')).to.equal(false);
    expect(createAccessRestrictions({ rules: [], defaultAction: 'Deny' })('127.0.1.1')).to.equal(false);
  });

  it('access restrictions: the first rule by priority that holds the source decides, else the default action', () => {
    const admitted = createAccessRestrictions({
      rules: [
        { name: 'deny-one', action: 'Deny', ranges: ['127.0.1.7/32'] },
        { name: 'allow-subnet', action: 'Allow', ranges: ['127.0.1.0/24'] },
      ],
      defaultAction: 'Allow',
    });
    expect(admitted('127.0.1.7')).to.equal(false);
    expect(admitted('127.0.1.8')).to.equal(true);
    expect(admitted('127.0.5.5')).to.equal(true);
  });
});
