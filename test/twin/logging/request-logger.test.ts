import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequestLogger, flushRequestLogs } from '../../../twin/logging/request-logger';

const LOGGER_MODULE = join(__dirname, '..', '..', '..', 'twin', 'logging', 'request-logger.ts');

describe('request logger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'request-logger-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const linesOf = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('writes off the request path and loses no line when flushed on stop', async () => {
    const file = join(dir, 'logs', 'gateway.log');
    const logger = createRequestLogger({ process: 'gateway', file, stdout: false });
    for (let i = 0; i < 2000; i += 1) logger.info({ traceId: `t${i}`, status: 200, headers: { 'x-functions-key': 'secret' } }, 'request');
    await flushRequestLogs();
    const lines = linesOf(file);
    expect(lines.map((line) => line.traceId)).to.deep.equal(Array.from({ length: 2000 }, (_, i) => `t${i}`));
    expect(lines[0]).to.include({ process: 'gateway', msg: 'request' }).and.not.have.property('headers');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('writes what is buffered when the process exits without a stop (pino exit hook)', () => {
    const file = join(dir, 'db.log');
    const script = `const { createRequestLogger } = require(${JSON.stringify(LOGGER_MODULE)});
      const logger = createRequestLogger({ process: 'db', file: ${JSON.stringify(file)}, stdout: true });
      setImmediate(() => { for (let i = 0; i < 500; i += 1) logger.info({ n: i }, 'request'); process.exit(0); });`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.status, child.stderr).to.equal(0);
    expect(linesOf(file).map((line) => line.n)).to.deep.equal(Array.from({ length: 500 }, (_, i) => i));
    expect(child.stdout.trim().split('\n')).to.have.length(500);
  });
});
