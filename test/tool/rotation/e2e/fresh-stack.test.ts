import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_NAMES } from '../../../../contracts/apps';
import { keyVaultId } from '../../../../tool/azure/stack-outputs';
import type { LocalStackInfo } from '../../../../twin/index';
import { send } from '../../../support/http';
import { readStoredSecret, removeDir } from '../../../support/local-stack';
import { parseJsonOutput, startPatientctlProcess, type PatientctlProcess } from './rotation-fixture';
import { describeLoad, startSteadyLoad, type LoadReport, type SteadyLoad } from './steady-load';

const CLIENTS = 16;

/** `patientctl local up` in its own process, ready once it has printed its banner. */
async function localUp(dataDir: string, ...flags: string[]): Promise<{ up: PatientctlProcess; info: LocalStackInfo; stdout: () => string }> {
  let stdout = '';
  let ready!: () => void;
  const banner = new Promise<void>((resolve) => (ready = resolve));
  const up = startPatientctlProcess(['local', 'up', '--port', '0', '--data-dir', dataDir, ...flags], (stream, text) => {
    if (stream !== 'stdout') return;
    stdout += text;
    if (stdout.includes('Ctrl-C stops the stack.')) ready();
  }, 300_000);
  await Promise.race([banner, up.ended.then((end) => Promise.reject(new Error(`local up ended (${end.code}): ${end.stderr}`)))]);
  return { up, info: JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as LocalStackInfo, stdout: () => stdout };
}

async function stop(up: PatientctlProcess): Promise<void> {
  up.child.kill('SIGINT');
  await up.ended;
}

describe('a fresh stack, as Azure after the first pulumi up: bootstrap and rotation under load (patientctl processes)', function () {
  this.timeout(180_000);
  const workDir = mkdtempSync(join(tmpdir(), 'fresh-stack-'));
  const dataDir = join(workDir, 'data');
  let up: PatientctlProcess | undefined;
  let info: LocalStackInfo;
  let token: string;

  const arm = async (method: string, path: string, apiVersion: string) =>
    (await send(`${info.armUrl}${path}?api-version=${apiVersion}`, { method, headers: { authorization: `Bearer ${token}` }, ca: readFileSync(join(dataDir, 'control-ca.pem'), 'utf8') })).json<Record<string, unknown>>();

  /** A rotate-keys process under load: its result, when its first verification succeeded, and what the load saw. */
  async function rotateUnderLoad(): Promise<{
    json: ReturnType<typeof parseJsonOutput>;
    code: number | null;
    verifiedAtMs: number;
    load: LoadReport;
    failuresAfterVerification: ReturnType<SteadyLoad['failuresSentSince']>;
  }> {
    const load = startSteadyLoad({ gatewayUrl: info.gatewayUrl, subscriptionKeys: [info.subscriptionKey, info.complianceSubscriptionKey], clients: CLIENTS, thinkMs: 50 });
    let verifiedAtMs = Number.POSITIVE_INFINITY;
    let stderr = '';
    try {
      await load.waitForRequests(200, 60_000);
      const rotation = startPatientctlProcess(['rotate-keys', '--target', 'local', '--data-dir', dataDir, '--app', 'all', '--grace', '1', '--json'], (stream, text) => {
        if (stream !== 'stderr') return;
        stderr += text;
        if (verifiedAtMs === Number.POSITIVE_INFINITY && stderr.includes('verified through the gateway')) verifiedAtMs = load.elapsedMs();
      });
      const ended = await rotation.ended;
      await load.waitForRequests(300, 60_000);
      const report = await load.stop();
      console.log(`      rotate-keys: exit ${ended.code} after ${(ended.ms / 1000).toFixed(1)} s; load: ${describeLoad(report)}`);
      return { json: parseJsonOutput({ ...ended, code: ended.code ?? -1 }), code: ended.code, verifiedAtMs, load: report, failuresAfterVerification: load.failuresSentSince(verifiedAtMs) };
    } catch (error) {
      await load.stop();
      throw error;
    }
  }

  before(async () => {
    ({ up, info } = await localUp(dataDir, '--fresh'));
    token = readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
  });

  after(async () => {
    if (up) await stop(up);
    removeDir(workDir);
  });

  it('starts as Azure after the first deploy: placeholder secrets without tags, only _master and the host default key, calls refused', async () => {
    for (const app of APP_NAMES) {
      expect(readStoredSecret(dataDir, `${app}-host-key`).tags, app).to.deep.equal({});
      const secret = await arm('GET', `${keyVaultId(info)}/secrets/${app}-host-key`, '2024-11-01');
      expect(secret.tags, app).to.deep.equal({});
      const keys = (await arm('POST', `${app === 'patient-api' ? info.patientApiAppId : info.auditApiAppId}/host/default/listkeys`, '2024-04-01')) as { masterKey: string; functionKeys: Record<string, string> };
      expect(Object.keys(keys.functionKeys), app).to.deep.equal(['default']);
      expect(keys.masterKey).to.be.a('string');
    }
    const refused = await send(`${info.gatewayUrl}/patient/search`, { method: 'POST', headers: { 'ocp-apim-subscription-key': info.subscriptionKey, 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).to.equal(401);
  });

  it('rotate-keys bootstraps it under load: exit 0, both apps bootstrapped, 0 failed requests sent after the first verification', async () => {
    const run = await rotateUnderLoad();
    expect(run.code, JSON.stringify(run.json)).to.equal(0);
    expect(run.json.apps?.map((a) => [a.app, a.outcome, a.toSlot, a.generation])).to.deep.equal([
      ['patient-api', 'bootstrapped', 'a', 1],
      ['audit-api', 'bootstrapped', 'a', 1],
    ]);
    expect(Number.isFinite(run.verifiedAtMs)).to.equal(true);
    // Before the bootstrap the stack refused every call: the load saw it.
    expect(run.load.failures).to.be.greaterThan(0);
    expect(run.failuresAfterVerification.first, 'requests sent after the first verification that failed').to.deep.equal([]);
    expect(run.failuresAfterVerification.count).to.equal(0);
    for (const app of APP_NAMES) {
      const keys = (await arm('POST', `${app === 'patient-api' ? info.patientApiAppId : info.auditApiAppId}/host/default/listkeys`, '2024-04-01')) as { functionKeys: Record<string, string> };
      expect(keys.functionKeys, app).to.deep.equal({ 'caller-a': readStoredSecret(dataDir, `${app}-host-key`).value });
    }
  });

  it('then a rotation under load: exit 0, both apps on slot b, 0 failed requests', async () => {
    const run = await rotateUnderLoad();
    expect(run.code, JSON.stringify(run.json)).to.equal(0);
    expect(run.json.apps?.map((a) => [a.app, a.outcome, a.fromSlot, a.toSlot, a.generation])).to.deep.equal([
      ['patient-api', 'rotated', 'a', 'b', 2],
      ['audit-api', 'rotated', 'a', 'b', 2],
    ]);
    expect(run.load.failed).to.deep.equal([]);
    expect(run.load.failures).to.equal(0);
  });

  it('local up without --fresh on an empty data directory bootstraps the keys itself, says so, and serves the first curl', async () => {
    const emptyDir = join(workDir, 'empty');
    const started = await localUp(emptyDir);
    try {
      expect(started.stdout()).to.contain('bootstrap: patient-api-host-key and audit-api-host-key hold no host key; issuing first keys');
      expect(started.stdout()).to.contain('first start: host keys issued by the bootstrap rotation');
      // The banner says where the keys are, for the data directory it was started with, never what they are.
      expect(started.stdout()).to.contain(`\`npx patientctl local keys --data-dir ${emptyDir}\` shows them`);
      for (const key of [started.info.subscriptionKey, started.info.complianceSubscriptionKey]) expect(started.stdout()).to.not.contain(key);
      const created = await send(`${started.info.gatewayUrl}/patient`, {
        method: 'POST',
        headers: { 'ocp-apim-subscription-key': started.info.subscriptionKey, 'content-type': 'application/json' },
        body: JSON.stringify({ firstName: 'Ada', gender: 'female', dateOfBirth: '1990-05-17', postCode: 'AB1 2CD' }),
      });
      expect(created.status).to.equal(201);
    } finally {
      await stop(started.up);
    }
  });
});
