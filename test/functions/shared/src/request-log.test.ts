import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
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

  it('buffers stdout off the request path: a lone line still shows within a quarter second, and none is lost at exit', async () => {
    const moduleFile = join(__dirname, '..', '..', '..', '..', 'functions', 'shared', 'src', 'request-log.ts');
    const script = `const { createRequestLog } = require(${JSON.stringify(moduleFile)});
      const log = createRequestLog();
      const line = (n) => log.request({ traceId: 't' + n, operation: 'op', method: 'GET', route: 'r', status: 200, durationMs: 1 });
      line(0);
      setTimeout(() => {
        for (let n = 1; n < 300; n += 1) line(n);
        process.exit(0);
      }, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    let firstLineAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      firstLineAt ||= performance.now();
      output += chunk.toString('utf8');
    });
    const [code] = (await once(child, 'exit')) as [number];
    const exitedAt = performance.now();
    expect(code).to.equal(0);
    expect(exitedAt - firstLineAt, 'the first line arrived well before the exit').to.be.above(500);
    const traceIds = output.trim().split('\n').map((text) => (JSON.parse(text) as { traceId: string }).traceId);
    expect(traceIds).to.deep.equal(Array.from({ length: 300 }, (_, n) => `t${n}`));
  });
});
