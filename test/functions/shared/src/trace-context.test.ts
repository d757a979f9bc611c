import { expect } from 'chai';
import { continueTrace, formatTraceparent, parseTraceparent } from '../../../../functions/shared/src/trace-context';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('parses a traceparent and rejects malformed ones', () => {
    expect(parseTraceparent(PARENT)).to.deep.equal({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    for (const bad of [
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      'garbage',
    ]) {
      expect(parseTraceparent(bad), bad).to.equal(undefined);
    }
  });

  it('continues the incoming trace with a new span id of its own', () => {
    const trace = continueTrace(PARENT);
    expect(trace.traceId).to.equal('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace.parentSpanId).to.equal('00f067aa0ba902b7');
    expect(trace.spanId).to.match(/^[0-9a-f]{16}$/).and.not.equal('00f067aa0ba902b7');
    expect(formatTraceparent(trace)).to.equal(`00-4bf92f3577b34da6a3ce929d0e0e4736-${trace.spanId}-01`);
  });

  it('falls back to the next candidate, and starts a new trace when none is valid', () => {
    expect(continueTrace('bad', PARENT).traceId).to.equal('4bf92f3577b34da6a3ce929d0e0e4736');
    const fresh = continueTrace(null, undefined);
    expect(fresh.traceId).to.match(/^[0-9a-f]{32}$/);
    expect(fresh.parentSpanId).to.equal(undefined);
  });
});
