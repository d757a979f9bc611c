import { expect } from 'chai';
import { hostKeyName } from '../../../contracts/host-keys';
import { createArmClient } from '../../../tool/azure/arm-client';
import { createAzureRotationPort } from '../../../tool/azure/azure-rotation-port';
import type { CliDeps } from '../../../tool/cli/deps';
import { runCli } from '../../../tool/cli/program';
import type { LocalStackFixture } from '../../support/local-stack';
import { sharedLocalStack } from '../../support/shared-stack';

const unused = (what: string) => () => {
  throw new Error(`verify does not use ${what}`);
};

/** patientctl as main.ts wires it, for the commands that reach a local stack through its ARM endpoint. */
function cli(): { run(...argv: string[]): Promise<number>; out(): string } {
  let stdout = '';
  const deps: CliDeps = {
    io: { stdout: (text) => (stdout += text), stderr: () => undefined },
    version: '0.0.0',
    packages: unused('packages'),
    uploadPackage: unused('uploadPackage'),
    repoRoot: process.cwd(),
    stdinIsTTY: false,
    ask: unused('ask'),
    pulumi: { workDir: process.cwd(), pulumiCommand: unused('pulumi') },
    armClient: createArmClient,
    rotationPort: createAzureRotationPort,
    localStack: unused('localStack'),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    waitForShutdownSignal: unused('signals'),
    onShutdownSignal: unused('signals'),
  };
  return {
    run: (...argv) => {
      stdout = '';
      return runCli(argv, deps);
    },
    out: () => stdout,
  };
}

describe('patientctl verify --target local (a fresh local stack, as npm start leaves it)', function () {
  this.timeout(120_000);
  let f: LocalStackFixture;
  const patientctl = cli();

  before(async () => {
    // verify writes only its synthetic patient, deleted again, and removes the key it adds.
    f = await sharedLocalStack();
  });

  it('passes: keys and behaviour PASS, the configuration says why it is not checked here, exit 0', async () => {
    const code = await patientctl.run('verify', '--target', 'local', '--data-dir', f.dataDir);
    const table = patientctl.out();
    expect(code, table).to.equal(0);
    expect(table).to.match(/^PASS\s+keys\s+host-keys:patient-api\s+only caller-[ab]/m);
    expect(table).to.match(/^PASS\s+keys\s+rotation-journal:audit-api-host-key\s+complete/m);
    expect(table).to.match(/^PASS\s+behaviour\s+probe-record\s+a synthetic patient was created, read, found, deleted/m);
    expect(table).to.match(/^PASS\s+behaviour\s+app-refuses-direct-calls:audit-api\s+audit-api's own host refuses this machine \(403\)/m);
    expect(table).to.match(/^WARN\s+configuration\s+configuration\s+not checked: the local stack's ARM endpoint serves/m);
    expect(table).to.not.match(/^FAIL/m);
  });

  it('fails on a host key added by hand, exit 6 with the fix, in the table and in --json', async () => {
    const added = await f.arm('PUT', 'audit-api:/host/default/functionKeys/ops-debug', undefined, { properties: { name: 'ops-debug', value: 'a-hand-made-key-0123456789' } });
    expect(added.status).to.be.oneOf([200, 201]);
    try {
      expect(await patientctl.run('verify', '--target', 'local', '--data-dir', f.dataDir, '--no-writes')).to.equal(6);
      expect(patientctl.out()).to.match(/^FAIL\s+keys\s+host-keys:audit-api\s+expected only caller-[ab]; found also ops-debug\n\s+fix: delete each key rotation did not make \(az functionapp keys delete/m);
      expect(await patientctl.run('--json', 'verify', '--target', 'local', '--data-dir', f.dataDir, '--no-writes')).to.equal(6);
      const json = JSON.parse(patientctl.out()) as { ok: boolean; checks: { check: string; status: string }[]; error: { exitCode: number } };
      expect(json.ok).to.equal(false);
      expect(json.error.exitCode).to.equal(6);
      expect(json.checks.filter((entry) => entry.status === 'FAIL').map((entry) => entry.check)).to.deep.equal(['host-keys:audit-api']);
      expect(patientctl.out()).to.not.contain('a-hand-made-key-0123456789');
    } finally {
      await f.arm('DELETE', 'audit-api:/host/default/functionKeys/ops-debug');
    }
    expect(Object.keys(await f.hostKeys('audit-api'))).to.satisfy((names: string[]) => names.every((name) => [hostKeyName('a'), hostKeyName('b')].includes(name)));
  });
});
