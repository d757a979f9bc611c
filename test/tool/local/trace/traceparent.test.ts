import { expect } from 'chai';
import { childSpan, formatTraceParent, parseTraceParent } from '../../../../tool/local/trace/traceparent';

describe('traceparent', () => {
  it('parses a valid header and refuses malformed or all-zero ids', () => {
    expect(parseTraceParent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).to.deep.equal({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', flags: '01' });
    expect(parseTraceParent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).to.equal(undefined);
    expect(parseTraceParent('00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01')).to.equal(undefined);
    expect(parseTraceParent('garbage')).to.equal(undefined);
    expect(parseTraceParent(undefined)).to.equal(undefined);
  });

  it('continues an incoming trace with a new span, or starts a new sampled trace', () => {
    const incoming = parseTraceParent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00')!;
    const continued = childSpan(incoming);
    expect(continued.traceId).to.equal(incoming.traceId);
    expect(continued.spanId).not.to.equal(incoming.spanId);
    expect(continued.flags).to.equal('00');
    expect(formatTraceParent(childSpan(undefined))).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
