import { expect } from 'chai';
import { createArmClient } from '../../../tool/azure/arm-client';
import { runCli } from '../../../tool/cli/program';
import { compliantArmSnapshot } from '../../policy/arm-from-mocks';
import { CliHarness } from '../cli/harness';
import { startFakeArm, TOKEN, type FakeArm } from './fake-arm';
import { startFakeGateway, type FakeGateway } from './fake-gateway';

interface VerifyJson {
  ok: boolean;
  target: string;
  counts: { PASS: number; FAIL: number; WARN: number; WAIVED: number };
  checks: { area: string; check: string; status: string; fix?: string }[];
  error?: { type: string; exitCode: number };
}

describe('patientctl verify --stack (the stack outputs through Pulumi, the deployment through ARM)', function () {
  this.timeout(60_000);
  let arm: FakeArm;
  let gateway: FakeGateway;
  let harness: CliHarness;

  beforeEach(async () => {
    arm = await startFakeArm(await compliantArmSnapshot());
    gateway = await startFakeGateway();
    // The apps' host names (and so the gateway's backend) point at a loopback port nothing serves TLS on: unreachable, as from outside the VNet.
    for (const id of Object.values(arm.snapshot.sites)) (arm.find(id).properties as { defaultHostName: string }).defaultHostName = '127.0.0.1:9';
    (arm.find('/backends/patient-api').properties as { url: string }).url = 'https://127.0.0.1:9/api';
    harness = await CliHarness.create({ stacks: ['prod'], outputs: { ...arm.outputs(gateway.url) } });
  });

  afterEach(async () => {
    await harness.cleanup();
    await arm.close();
    await gateway.close();
  });

  const verify = (...argv: string[]) => runCli(argv, { ...harness.deps(), armClient: () => createArmClient({ armUrl: arm.url, token: TOKEN, caCert: arm.caCert }) });

  it('exits 0 on a compliant stack and prints one JSON document with every check', async () => {
    expect(await verify('--json', 'verify', '--stack', 'prod', '--no-writes')).to.equal(0);
    const json = harness.json<VerifyJson>();
    expect(json.ok).to.equal(true);
    expect(json.target).to.equal('azure stack prod');
    expect(json.counts.FAIL).to.equal(0);
    expect(json.counts.WAIVED).to.be.greaterThan(0);
    expect(json.checks.find((entry) => entry.check === 'app-refuses-direct-calls:patient-api')?.status).to.equal('PASS');
  });

  it('exits 6 on a drifted stack: the FAIL row with its fix in the table, and the checks in the JSON error document', async () => {
    arm.find(arm.snapshot.sites['audit-api']).properties!.httpsOnly = false;
    expect(await verify('verify', '--stack', 'prod', '--no-writes')).to.equal(6);
    expect(harness.out()).to.match(/^FAIL\s+configuration\s+apps-https-only\s+audit-api accepts plain HTTP\n\s+fix: the deployment drifted from the program: run pulumi refresh --stack prod/m);
    expect(harness.out()).to.match(/^FAIL\s+configuration\s+Azure\.AppService\.UseHTTPS\s+/m);
    expect(harness.err()).to.contain('patientctl: verify: 2 checks failed on azure stack prod');
    harness.stdout.length = 0;
    expect(await verify('--json', 'verify', '--stack', 'prod', '--no-writes')).to.equal(6);
    const json = harness.json<VerifyJson>();
    expect(json.ok).to.equal(false);
    expect(json.error).to.include({ type: 'ChecksFailedError', exitCode: 6 });
    expect(json.checks.filter((entry) => entry.status === 'FAIL').map((entry) => entry.check)).to.deep.equal(['apps-https-only', 'Azure.AppService.UseHTTPS']);
  });

  it('needs --stack on Azure, and takes --max-key-age in days', async () => {
    expect(await verify('verify')).to.equal(2);
    expect(harness.err()).to.contain('verify --target azure needs --stack <name>');
    expect(await verify('verify', '--stack', 'prod', '--max-key-age', '0')).to.equal(2);
    expect(harness.err()).to.contain('--max-key-age expects a number of days > 0');
  });
});
