import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir, startLocalStack, type LocalStackFixture } from '../../../support/local-stack';
import { parseJsonOutput, runPatientctlInProcess } from './rotation-fixture';

/** Consumer calls that count against the subscription's limit and end early (the id is no uuid). */
async function exhaustRateLimit(f: LocalStackFixture, key: string): Promise<number> {
  let limited = 0;
  let sent = 0;
  const worker = async () => {
    while (limited === 0 && sent < 5000) {
      sent++;
      if ((await f.gw.json('GET', '/patient/not-a-uuid', undefined, { key })).status === 429) limited++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return sent;
}

describe('rotate-keys probes with the rotation-probe subscription (docs/patientctl.md, Rotation step 5)', function () {
  this.timeout(60_000);
  let f: LocalStackFixture;

  before(async () => {
    // The contract's policy as it is: 1200 calls a minute per subscription.
    f = await startLocalStack({}, join(mkdtempSync(join(tmpdir(), 'rotation-probe-')), 'data'));
  });
  after(async () => {
    await f?.stop();
    if (f) removeDir(join(f.dataDir, '..'));
  });

  it('rotates while the consumer subscription is at its rate limit', async () => {
    const sent = await exhaustRateLimit(f, f.info.subscriptionKey);
    expect((await f.gw.json('POST', '/patient/search', {})).status, `consumer limited after ${sent} calls`).to.equal(429);

    const run = await runPatientctlInProcess(['rotate-keys', '--target', 'local', '--data-dir', f.dataDir, '--app', 'patient', '--grace', '0', '--json']);
    expect(run.code, run.stderr).to.equal(0);
    expect(parseJsonOutput(run).apps?.map((a) => a.outcome)).to.deep.equal(['rotated']);
  });
});
