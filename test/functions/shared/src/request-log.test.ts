import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createRequestLog } from '../../../../functions/shared/src/request-log';

describe('request log', () => {
  it('writes one JSON line per request with trace id, route template, status and duration', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
        done();
      },
    });
    const log = createRequestLog(sink);
    log.request({ traceId: 'abc', operation: 'loadPatient', method: 'GET', route: 'patient/{patientId}', status: 200, durationMs: 3 });
    log.failure('abc', 'loadPatient', new TypeError('secret connection string mongodb://user:pw@host'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).to.have.length(2);
    const entry = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(entry).to.include({ traceId: 'abc', operation: 'loadPatient', route: 'patient/{patientId}', status: 200, durationMs: 3, message: 'request' });
    expect(lines[1]).to.include('TypeError').and.not.include('mongodb://');
  });
});
