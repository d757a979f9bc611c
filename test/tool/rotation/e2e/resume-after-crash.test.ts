import { expect } from 'chai';
import type { CalleeApp } from '../../../../tool/rotation/port';
import { InjectedCrash, recordingPort, type CallerKeys, type PortRecorder } from './crashing-port';
import { functionNames, killPatientctlProcessWhen, parseJsonOutput, runPatientctlInProcess, startRotationStack, type CliRun, type RotationStack } from './rotation-fixture';
import { describeLoad, startSteadyLoad, type SteadyLoad } from './steady-load';

const APPS: CalleeApp[] = ['patient-api', 'audit-api'];
const CLIENTS = 20;
const ROTATE = (dataDir: string, grace = '0') => ['rotate-keys', '--target', 'local', '--data-dir', dataDir, '--app', 'all', '--grace', grace, '--probes', '3', '--json'];

/**
 * The port calls of a rotation from a completed state, with the step each belongs to
 * (docs/patientctl.md, Rotation). The rotation code exposes no step list of its own (only the
 * dry-run plan's sentences), so the crash points are chosen among its port calls (crashTested).
 */
const OBSERVE: [subject: CalleeApp, method: string][] = APPS.flatMap((app) => [
  [app, 'readSecretTags'],
  [app, 'listHostKeys'],
]);
const REFRESH: Record<CalleeApp, string> = { 'patient-api': 'refreshNamedValue', 'audit-api': 'refreshKeyVaultReferences' };
const FUNCTIONS = functionNames();
const ONE_APP = (app: CalleeApp): [method: string, step: string][] => [
  ['putHostKey', '2 create the new key'],
  ['writeSecret', '3 write the secret version (pending)'],
  [REFRESH[app], '4 refresh the caller'],
  ['probeGateway', '5 verify'],
  ['readCallerKey', '5 verify'],
  ['deleteHostKey', '6 revoke the old slot'],
  ['probeGateway', '6 final probe'],
  ['deleteHostKey', '7 delete the host default key'],
  ['listFunctions', '7 list the functions'],
  ...FUNCTIONS[app].map((name): [string, string] => ['listFunctionKeys', `7 list ${name}'s keys`]),
  ['regenerateMasterKey', '7 regenerate the master key'],
  ['writeSecret', '8 mark the journal complete'],
];
const CRASH_POINTS = [
  ...OBSERVE.map(([app, method]) => ({ call: `${app} ${method}`, step: `${app}: 1 find the active slot` })),
  ...APPS.flatMap((app) =>
    ONE_APP(app).map(([method, step]) => ({ call: `${method === 'probeGateway' ? 'gateway' : app} ${method}`, step: `${app}: ${step}` })),
  ),
];

/** The port calls that change what a rotation leaves behind: keys, secrets, and what callers hold. */
const WRITES = new Set(['putHostKey', 'writeSecret', 'refreshNamedValue', 'refreshKeyVaultReferences', 'deleteHostKey', 'deleteFunctionKey', 'regenerateMasterKey']);

/**
 * A crash right after a read leaves exactly what a crash right after the write before it leaves,
 * and a re-run starts from that state alone: so the crash points are every write, and the first
 * read (a crash before anything changed). The uninterrupted run still pins every call in order.
 */
function crashTested(index: number): boolean {
  return index === 0 || WRITES.has(CRASH_POINTS[index].call.split(' ')[1]);
}

interface CycleFigures {
  crashAfter: number;
  call: string;
  outcomes: string;
  failuresDuring: number;
  ms: number;
}

describe('rotate-keys resumes after a crash at any step, under load (docs/design.md §8)', function () {
  this.timeout(30_000);
  let stack: RotationStack;
  let load: SteadyLoad;
  let callers: CallerKeys;
  const figures: CycleFigures[] = [];
  const started = Date.now();

  const readSecretValue = async (app: CalleeApp) => (await stack.appSecret(app)).value;

  /** The invariant of docs/design.md §8: each caller holds a currently valid host key, and requests succeed. */
  async function expectCallersOnValidKeys(when: string): Promise<void> {
    const names = await stack.keyNames();
    for (const app of APPS) {
      const keys = await stack.hostKeys(app);
      expect(Object.keys(keys).sort(), `${when}: ${app} key names in GET /state`).to.deep.equal(names[app]);
      expect(Object.values(keys), `${when}: the key the caller of ${app} holds is valid`).to.include(callers[app]);
      expect(Object.values(keys), `${when}: the key in the ${app} secret is valid`).to.include(await readSecretValue(app));
    }
    expect(await stack.callPatientApi(callers['patient-api']), `${when}: the gateway's key at the Patient API`).to.equal(200);
    expect(await stack.callAuditApi(callers['audit-api']), `${when}: the Patient API's key at the Audit API`).to.equal(200);
    expect(await stack.probeGateway(), `${when}: a request through the gateway`).to.equal(200);
  }

  /** After a finished run: one key per app, the one in the secret, journal complete, held by its caller. */
  async function expectSettled(when: string): Promise<void> {
    await expectCallersOnValidKeys(when);
    for (const app of APPS) {
      const secret = await stack.appSecret(app);
      expect(secret.tags.rotation, `${when}: ${app} journal`).to.equal('complete');
      expect(await stack.hostKeys(app), `${when}: ${app} keys`).to.deep.equal({ [`caller-${secret.tags.slot}`]: secret.value });
      expect(callers[app], `${when}: ${app} caller`).to.equal(secret.value);
    }
  }

  function expectFinished(run: CliRun, when: string): string {
    expect(run.code, `${when}: ${run.stderr}`).to.equal(0);
    const result = parseJsonOutput(run);
    expect(result.ok).to.equal(true);
    expect(result.apps?.map((a) => a.app)).to.deep.equal(APPS);
    return result.apps!.map((a) => `${a.app} ${a.outcome} ${a.fromSlot ?? '-'}→${a.toSlot} g${a.generation}`).join(', ');
  }

  before(async function () {
    this.timeout(60_000);
    stack = await startRotationStack();
    callers = { 'patient-api': await readSecretValue('patient-api'), 'audit-api': await readSecretValue('audit-api') };
    load = startSteadyLoad({
      gatewayUrl: stack.info.gatewayUrl,
      subscriptionKeys: [stack.info.subscriptionKey, stack.info.complianceSubscriptionKey],
      clients: CLIENTS,
      thinkMs: 100,
    });
    await load.waitForRequests(100);
  });

  after(async () => {
    if (load) await load.stop();
    await stack?.dispose();
  });

  it('makes the port calls listed here, in this order, in an uninterrupted rotation', async () => {
    const recorder: PortRecorder = { calls: [] };
    const run = await runPatientctlInProcess(ROTATE(stack.dataDir), (port) => recordingPort(port, callers, readSecretValue, { recorder }));
    expectFinished(run, 'uninterrupted');
    expect(recorder.calls).to.deep.equal(CRASH_POINTS.map((p) => p.call));
    await expectSettled('after an uninterrupted rotation');
  });

  CRASH_POINTS.forEach((point, index) => {
    const crashAfter = index + 1;
    if (!crashTested(index)) return;
    it(`finishes after a crash right after call ${crashAfter}, ${point.call} (${point.step})`, async () => {
      const begin = Date.now();
      const failuresBefore = load.failures;
      const crashed = await runPatientctlInProcess(ROTATE(stack.dataDir), (port) => recordingPort(port, callers, readSecretValue, { crashAfter }));
      expect(crashed.code, crashed.stderr).to.equal(1);
      expect(crashed.stderr).to.contain(new InjectedCrash(crashAfter, point.call).message);
      await expectCallersOnValidKeys(`after the crash after ${point.call}`);

      const rerun = await runPatientctlInProcess(ROTATE(stack.dataDir), (port) => recordingPort(port, callers, readSecretValue));
      const outcomes = expectFinished(rerun, 're-run');
      await expectSettled(`after the re-run following a crash after ${point.call}`);
      figures.push({ crashAfter, call: point.call, outcomes, failuresDuring: load.failures - failuresBefore, ms: Date.now() - begin });
      expect(load.failures, 'failed requests so far').to.equal(0);
    });
  });

  it('finishes after the patientctl process is killed (SIGKILL) right after writing the new secret version', async () => {
    const begin = Date.now();
    const failuresBefore = load.failures;
    const before = await stack.appSecret('patient-api');
    // --grace 1: the kill lands well before the old key could be revoked.
    const killed = await killPatientctlProcessWhen(ROTATE(stack.dataDir, '1'), /wrote patient-api-host-key \(slot/);
    expect(killed.signal, killed.stderr).to.equal('SIGKILL');
    const pending = await stack.appSecret('patient-api');
    expect(pending.tags.rotation).to.equal('pending');
    expect(pending.tags.previousSlot).to.equal(before.tags.slot);
    // The gateway may or may not have been refreshed before the kill; either key it can hold is valid.
    const keys = Object.values(await stack.hostKeys('patient-api'));
    expect(keys).to.include.members([before.value, pending.value]);
    expect(await stack.probeGateway()).to.equal(200);

    const rerun = await runPatientctlInProcess(ROTATE(stack.dataDir), (port) => recordingPort(port, callers, readSecretValue));
    const outcomes = expectFinished(rerun, 're-run after SIGKILL');
    expect(outcomes).to.match(/^patient-api resumed /);
    await expectSettled('after the re-run following SIGKILL');
    figures.push({ crashAfter: 0, call: 'SIGKILL after writing the secret', outcomes, failuresDuring: load.failures - failuresBefore, ms: Date.now() - begin });
    expect(load.failures, 'failed requests so far').to.equal(0);
  });

  it('served every request of the whole sequence: 0 failed', async () => {
    const report = await load.stop();
    for (const f of figures) console.log(`      ${f.crashAfter ? `crash after ${String(f.crashAfter).padStart(2)} ${f.call.padEnd(37)}` : f.call.padEnd(52)} re-run: ${f.outcomes}; ${f.failuresDuring} failed requests; ${f.ms} ms`);
    console.log(`      load: ${describeLoad(report)}`);
    console.log(`      whole file so far: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(report.failed).to.deep.equal([]);
    expect(report.failures).to.equal(0);
    expect(figures).to.have.length(CRASH_POINTS.filter((_, index) => crashTested(index)).length + 1);
  });
});
