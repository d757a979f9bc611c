import { expect } from 'chai';
import { formatEtag, ifMatchAllows, parseIfMatch } from '../../../../functions/shared/src/etag';

describe('ETag and If-Match', () => {
  it('formats strong ETags and matches them by strong comparison', () => {
    expect(formatEtag('v1')).to.equal('"v1"');
    expect(ifMatchAllows(parseIfMatch('"v1"'), 'v1')).to.equal(true);
    expect(ifMatchAllows(parseIfMatch('"v0", "v1"'), 'v1')).to.equal(true);
    expect(ifMatchAllows(parseIfMatch('"v2"'), 'v1')).to.equal(false);
    expect(ifMatchAllows(parseIfMatch('W/"v1"'), 'v1')).to.equal(false);
    expect(ifMatchAllows(parseIfMatch('v1'), 'v1')).to.equal(false);
  });

  it('treats a missing header as unconditional and * as any current version', () => {
    expect(parseIfMatch(null)).to.deep.equal({ kind: 'none' });
    expect(parseIfMatch(' * ')).to.deep.equal({ kind: 'any' });
    expect(ifMatchAllows(parseIfMatch('*'), 'anything')).to.equal(true);
  });
});
