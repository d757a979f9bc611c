import { expect } from 'chai';
import { VerificationFailedError } from '../../../../tool/errors';
import { probeGateway } from '../../../../tool/rotation/gateway-probe';
import type { CalleeApp } from '../../../../tool/rotation/port';
import { parseJsonOutput, runPatientctlInProcess, runPatientctlProcess, startRotationStack, type CliRun, type RotationStack } from './rotation-fixture';
import { describeLoad, startSteadyLoad } from './steady-load';

const APPS: CalleeApp[] = ['patient-api', 'audit-api'];
const EXIT_VERIFICATION_FAILED = new VerificationFailedError('').exitCode;

interface AppSnapshot {
  keys: Record<string, string>;
  secret: { value: string; tags: Record<string, string> };
}

describe('rotate-keys rolls back a rotation that fails verification (docs/design.md §8 step 6)', function () {
  this.timeout(60_000);
  let stack: RotationStack;

  const snapshot = async (app: CalleeApp): Promise<AppSnapshot> => ({ keys: await stack.hostKeys(app), secret: await stack.appSecret(app) });
  const snapshotAll = async () => ({ 'patient-api': await snapshot('patient-api'), 'audit-api': await snapshot('audit-api') });

  /** The rolled-back app: its old key only (the new slot deleted), the secret back on it, journal complete. */
  function expectRolledBack(app: CalleeApp, before: AppSnapshot, after: AppSnapshot): void {
    expect(Object.keys(before.keys), `${app} before`).to.have.length(1);
    expect(after.keys, `${app}: only the old key is a host key`).to.deep.equal(before.keys);
    expect(after.secret.value, `${app}: the secret holds the old key`).to.equal(before.secret.value);
    expect(after.secret.tags, `${app}: journal`).to.deep.equal({ ...before.secret.tags, rotation: 'complete' });
  }

  function expectVerificationFailure(run: CliRun, app: CalleeApp): void {
    expect(run.code, run.stderr).to.equal(EXIT_VERIFICATION_FAILED);
    const result = parseJsonOutput(run);
    expect(result.ok).to.equal(false);
    expect(result.error?.type).to.equal('VerificationFailedError');
    expect(result.error?.exitCode).to.equal(EXIT_VERIFICATION_FAILED);
    expect(result.error?.message).to.contain(`${app}: requests through the gateway fail with the new key`).and.to.contain('rolled back to slot');
    // The new slot existed during the run and is gone: the one created is the one deleted.
    const created = /created host key (caller-[ab]) on (\S+)/.exec(run.stderr);
    expect(created?.[2], run.stderr).to.equal(app);
    expect(run.stderr).to.contain(`deleted host key ${created![1]} on ${app}`);
  }

  /** Callers hold the old keys: with only those valid, a request through the gateway succeeds, and each works directly. */
  async function expectCallersOnKeys(keys: Record<CalleeApp, string>): Promise<void> {
    expect(await stack.probeGateway(), 'a request through the gateway').to.equal(200);
    expect(await stack.callPatientApi(keys['patient-api'])).to.equal(200);
    expect(await stack.callAuditApi(keys['audit-api'])).to.equal(200);
  }

  before(async function () {
    this.timeout(60_000);
    stack = await startRotationStack();
  });

  after(async () => {
    await stack?.dispose();
  });

  describe('when the audit register fails (every audited request, the probe included, fails)', () => {
    const auditInsertsFail = { db: 'audit', collection: 'audits', command: 'insert', kind: 'error', code: 13, message: 'not authorized on audit' };

    afterEach(async () => {
      await stack.control('DELETE', '/faults/db');
    });

    for (const [option, app] of [
      ['all', 'patient-api'],
      ['audit', 'audit-api'],
    ] as const) {
      it(`--app ${option}: exits ${EXIT_VERIFICATION_FAILED}, deletes the new ${app} slot and leaves its caller on the old key`, async () => {
        const before = await snapshotAll();
        expect((await stack.control('POST', '/faults/db', auditInsertsFail)).status).to.equal(201);
        const run = await runPatientctlProcess(['rotate-keys', '--target', 'local', '--data-dir', stack.dataDir, '--app', option, '--grace', '1', '--json']);
        await stack.control('DELETE', '/faults/db');
        const after = await snapshotAll();
        console.log(`      patientctl rotate-keys --app ${option}: exit ${run.code} after ${(run.ms / 1000).toFixed(1)} s`);

        expectVerificationFailure(run, app);
        expectRolledBack(app, before[app], after[app]);
        // The app after it was never started on.
        for (const other of APPS.filter((a) => a !== app)) expect(after[other], other).to.deep.equal(before[other]);
        await expectCallersOnKeys({ 'patient-api': after['patient-api'].secret.value, 'audit-api': after['audit-api'].secret.value });
      });
    }
  });

  describe("when the probe's subscription key is wrong (the stack serves fine), under load", () => {
    for (const app of APPS) {
      it(`--app ${app === 'patient-api' ? 'patient' : 'audit'}: exits ${EXIT_VERIFICATION_FAILED}, rolls back, and no request of 24 clients fails`, async () => {
        const before = await snapshotAll();
        const load = startSteadyLoad({
          gatewayUrl: stack.info.gatewayUrl,
          subscriptionKeys: [stack.info.subscriptionKey, stack.info.complianceSubscriptionKey],
          clients: 24,
        });
        let run: CliRun;
        try {
          await load.waitForRequests(300, 40_000);
          run = await runPatientctlInProcess(
            ['rotate-keys', '--target', 'local', '--data-dir', stack.dataDir, '--app', app === 'patient-api' ? 'patient' : 'audit', '--json'],
            (port) => ({ ...port, probeGateway: (count) => probeGateway({ gatewayUrl: stack.info.gatewayUrl, subscriptionKey: 'not-the-probe-key' }, count) }),
          );
          await load.waitForRequests(200, 30_000);
        } finally {
          const report = await load.stop();
          console.log(`      load: ${describeLoad(report)}`);
          expect(report.failed, 'failed requests').to.deep.equal([]);
        }
        const after = await snapshotAll();
        expectVerificationFailure(run, app);
        expectRolledBack(app, before[app], after[app]);
        await expectCallersOnKeys({ 'patient-api': after['patient-api'].secret.value, 'audit-api': after['audit-api'].secret.value });
      });
    }
  });
});
