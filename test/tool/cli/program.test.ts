import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../tool/cli/program';
import { InMemoryStack } from '../../twin/arm/in-memory-stack';
import { CliHarness, PACKAGE_BLOBS, PROD_OUTPUTS } from './harness';

describe('patientctl (commander program with a fake pulumi CLI)', function () {
  this.timeout(30_000);
  let cli: CliHarness;
  afterEach(() => cli.cleanup());

  describe('help and usage', () => {
    it('prints help for the program and each command, exit 0', async () => {
      cli = await CliHarness.create({ stacks: [] });
      expect(await cli.run('--help')).to.equal(0);
      for (const name of ['deploy', 'preview', 'outputs', 'destroy', 'rotate-keys', 'local']) expect(cli.out()).to.include(name);
      cli.stdout.length = 0;
      expect(await cli.run('rotate-keys', '--help')).to.equal(0);
      for (const option of ['--target', '--stack', '--data-dir', '--app', '--dry-run', '--grace']) expect(cli.out()).to.include(option);
    });

    it('rejects an unknown option with exit 2 and one line on stderr', async () => {
      cli = await CliHarness.create({ stacks: [] });
      expect(await cli.run('deploy', '--stak', 'dev')).to.equal(2);
      expect(cli.err().trim().split('\n')[0]).to.match(/unknown option '--stak'/);
      expect(cli.calls()).to.deep.equal([]);
    });

    it('prints its version with --version or -V, exit 0', async () => {
      cli = await CliHarness.create({ stacks: [] });
      expect(await cli.run('--version')).to.equal(0);
      expect(await cli.run('-V')).to.equal(0);
      expect(cli.out()).to.equal('9.8.7\n9.8.7\n');
    });

    it('refuses a count that is not a whole number ≥ 1 (--probes abc, -3, 0, 2.5) with exit 2 and one line, before any rotation', async () => {
      cli = await CliHarness.create({ stacks: [] });
      for (const value of ['abc', '-3', '0', '2.5']) {
        cli.stderr.length = 0;
        expect(await cli.run('rotate-keys', '--target', 'local', `--probes=${value}`)).to.equal(2);
        expect(cli.err()).to.equal(`patientctl: --probes expects a whole number ≥ 1, got "${value}"\n`);
      }
      expect(cli.rotationTarget).to.equal(undefined);
    });

    it('requires --stack for deploy (exit 2, no pulumi call)', async () => {
      cli = await CliHarness.create({ stacks: [] });
      expect(await cli.run('deploy')).to.equal(2);
      expect(cli.err()).to.equal('patientctl: deploy needs --stack <name>\n');
    });
  });

  describe('deploy', () => {
    it('uploads each package to the blob its site names after the update, and restarts a site whose package arrived only then', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS });
      // The Audit API's package did not change since the last deploy: its blob is there already.
      cli.existingBlobs.add(PROD_OUTPUTS.auditApiPackageUrl);
      expect(await cli.run('deploy', '--stack', 'dev', '--yes')).to.equal(0);
      expect(cli.uploads).to.deep.equal([PROD_OUTPUTS.patientApiPackageUrl]);
      const restarts = cli.arm.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/restart'));
      expect(restarts.map((r) => `${r.path} ${r.query['api-version']}`)).to.deep.equal([`${PROD_OUTPUTS.patientApiAppId}/restart 2024-04-01`]);
      expect(cli.out()).to.include(`patient-api: package ${PACKAGE_BLOBS['patient-api']} uploaded; site restarted to load it\n`);
      expect(cli.out()).to.include(`audit-api: package ${PACKAGE_BLOBS['audit-api']} already in place\n`);
    });

    it("bundles into the stack's packagesDir, where the program builds them, and into dist/packages without one", async () => {
      cli = await CliHarness.create({ stacks: ['dev', 'staging'], outputs: PROD_OUTPUTS });
      writeFileSync(join(cli.dir, 'Pulumi.staging.yaml'), 'config:\n  patient-records:packagesDir: build/staging-packages\n');
      expect(await cli.run('deploy', '--stack', 'staging', '--yes')).to.equal(0);
      expect(await cli.run('deploy', '--stack', 'dev', '--yes')).to.equal(0);
      const staging = join(cli.dir, 'build', 'staging-packages');
      const dev = join(cli.dir, 'dist', 'packages');
      expect(cli.packagesDirs).to.deep.equal([staging, staging, dev, dev]);
    });

    it('stops with exit 2, uploading nothing, when the stack runs a package this checkout does not build', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: { ...PROD_OUTPUTS, patientApiPackageUrl: 'https://stpatientapi.blob.core.windows.net/packages/patient-api-1111111111111111.zip' } });
      expect(await cli.run('deploy', '--stack', 'dev', '--yes')).to.equal(2);
      expect(cli.err()).to.match(/runs patient-api from .*patient-api-1111111111111111\.zip, but this checkout builds patient-api-0123456789abcdef\.zip: the code changed during the update; run deploy again/);
      expect(cli.uploads).to.deep.equal([]);
    });

    it('checks the CLI and the stack, previews (the program packages the apps), then runs up, streaming progress, printing outputs with secrets masked', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS, secretOutputs: ['dbConnection'] });
      let streamedBeforeExit = false;
      const deps = cli.deps();
      const write = deps.io.stdout;
      deps.io.stdout = (text) => {
        if (text.includes('Updating (dev)')) streamedBeforeExit = !existsSync(join(cli.dir, 'up-finished'));
        write(text);
      };
      expect(await runCli(['deploy', '--stack', 'dev', '--yes'], deps)).to.equal(0);

      expect(cli.commands()).to.deep.equal(['version', 'stack select', 'preview', 'up', 'stack output', 'stack output', 'stack history']);
      expect(cli.out()).to.include('Previewing update (dev)');
      expect(cli.out()).to.include('changes: create 2\n');
      const up = cli.calls()[3].args;
      expect(up.slice(0, 3)).to.deep.equal(['up', '--yes', '--skip-preview']);
      expect(up).to.include.members(['--exec-kind', 'auto.local']);
      expect(up).to.not.include.members(['--refresh', '--diff']);
      expect(cli.calls()[1].args).to.deep.equal(['stack', 'select', '--stack', 'dev']);
      expect(streamedBeforeExit, 'progress printed while pulumi was still running').to.equal(true);
      expect(cli.out()).to.include(`gatewayUrl: ${PROD_OUTPUTS.gatewayUrl}`);
      expect(cli.out()).to.include('dbConnection: [secret]');
      expect(cli.out()).to.not.include('mongodb://secret-value');
      expect(cli.out()).to.include('Key Vault references: 3 resolved; named value patient-api-host-key: Success\n');
    });

    it('refuses to deploy without --yes when stdin is not a terminal (exit 2), before any pulumi call or bundling', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS });
      expect(await cli.run('deploy', '--stack', 'dev')).to.equal(2);
      expect(cli.err()).to.equal('patientctl: refusing to deploy stack "dev" without --yes when stdin is not a terminal: deploy asks before it changes anything\n');
      expect(cli.calls()).to.deep.equal([]);
    });

    it('on a terminal shows the preview and asks; anything but yes stops with exit 10 and no update', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS });
      cli.stdinIsTTY = true;
      cli.answer = 'no';
      expect(await cli.run('deploy', '--stack', 'dev')).to.equal(10);
      expect(cli.questions).to.deep.equal(['Do you want to perform this update of stack "dev"? (yes/no) ']);
      expect(cli.commands()).to.deep.equal(['version', 'stack select', 'preview']);
      expect(cli.err()).to.equal('patientctl: deploy cancelled; nothing was changed\n');
      cli.answer = 'yes';
      expect(await cli.run('deploy', '--stack', 'dev')).to.equal(0);
      expect(cli.commands()).to.include('up');
    });

    it('passes --refresh and --diff to both the preview and the update', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS });
      expect(await cli.run('deploy', '--stack', 'dev', '--yes', '--refresh', '--diff')).to.equal(0);
      for (const command of ['preview', 'up']) {
        expect(cli.calls().find(({ args }) => args[0] === command)!.args).to.include.members(['--refresh', '--diff']);
      }
    });

    it('checks the stack before bundling: a missing stack fails with exit 3 and nothing packaged', async () => {
      cli = await CliHarness.create({ stacks: ['dev'] });
      expect(await cli.run('deploy', '--stack', 'prod', '--yes')).to.equal(3);
      expect(cli.commands()).to.deep.equal(['version', 'stack select']);
    });

    it('stops the update gracefully on SIGTERM: the SDK sends pulumi one SIGINT, exit 10, no reference check', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS, steps: 40, stepMs: 50 });
      const running = cli.run('deploy', '--stack', 'dev', '--yes');
      await cli.waitFor('up-started');
      for (const listener of cli.shutdownListeners) listener('SIGTERM');
      expect(await running).to.equal(10);
      expect(cli.signals()).to.deep.equal(['SIGINT']);
      expect(cli.out()).to.include('SIGTERM: stopping gracefully');
      expect(cli.err()).to.equal('patientctl: update of stack "dev" cancelled: Pulumi stopped and saved what it had done; run it again to finish\n');
      expect(cli.arm.requests).to.deep.equal([]);
      expect(cli.shutdownListeners.size).to.equal(0);
    });

    it("on a terminal leaves Ctrl-C to the terminal, which signals pulumi itself, and relays nothing (one Ctrl-C, one SIGINT)", async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS, steps: 4, stepMs: 50 });
      cli.stdinIsTTY = true;
      cli.answer = 'yes';
      const running = cli.run('deploy', '--stack', 'dev');
      await cli.waitFor('up-started');
      for (const listener of cli.shutdownListeners) listener('SIGINT');
      // No terminal here delivers the SIGINT to pulumi: the update runs to its end, and deploy stops after it.
      expect(await running).to.equal(10);
      expect(cli.signals()).to.deep.equal([]);
      expect(cli.err()).to.equal('patientctl: stopped after the update of stack "dev" had finished; nothing after it was done\n');
    });

    it("then refreshes the apps' Key Vault references through ARM until role assignments apply", async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS }, { stack: new InMemoryStack({ refusedReadsFirst: 2 }) });
      // Packages already in place: no restart, which would resolve the references itself.
      for (const url of [PROD_OUTPUTS.patientApiPackageUrl, PROD_OUTPUTS.auditApiPackageUrl]) cli.existingBlobs.add(url);
      expect(await cli.run('deploy', '--stack', 'dev', '--yes', '--json')).to.equal(0);
      const result = cli.json<{ references: { references: { status: string }[]; waitedSeconds: number } }>();
      expect(result.references.references.map((r) => r.status)).to.deep.equal(['Resolved', 'Resolved', 'Resolved']);
      expect(result.references.waitedSeconds).to.equal(2);
      expect(cli.arm.requests.filter((r) => r.path.endsWith('/config/configreferences/appsettings/refresh')).length).to.be.greaterThan(0);
    });

    it('fails with exit 11 and one line naming what stays unresolved after --reference-timeout', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS }, { stack: new InMemoryStack({ refusedReadsFirst: 1000 }) });
      expect(await cli.run('deploy', '--stack', 'dev', '--yes', '--reference-timeout', '10')).to.equal(11);
      const errors = cli.err().split('\n').filter((line) => line.startsWith('patientctl:'));
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/^patientctl: Key Vault references still unresolved after 10 s: patient-api AUDIT_API_KEY \(AccessToKeyVaultDenied\), /);
    });

    it('with --json prints one JSON document; engine events stream to stderr', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS, secretOutputs: ['dbConnection'] });
      expect(await cli.run('deploy', '--stack', 'dev', '--yes', '--json')).to.equal(0);
      const result = cli.json<{ ok: boolean; changes: Record<string, number>; outputs: Record<string, unknown>}>();
      expect(result.ok).to.equal(true);
      expect(result.changes).to.deep.equal({ create: 2 });
      expect(result.outputs.dbConnection).to.equal('[secret]');
      expect(cli.err()).to.include('create azure-native:resources:ResourceGroup rg');
      const up = cli.calls().find(({ args }) => args[0] === 'up')!.args;
      expect(up[up.indexOf('--event-log') + 1]).to.match(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    });

    it('creates the stack with --create and sets --config values before the update', async () => {
      cli = await CliHarness.create({ stacks: [], outputs: PROD_OUTPUTS });
      expect(await cli.run('deploy', '--stack', 'dev', '--yes', '--create', '--config', 'location=westeurope')).to.equal(0);
      expect(cli.commands().slice(0, 6)).to.deep.equal(['version', 'stack select', 'stack init', 'config set', 'preview', 'up']);
      expect(cli.calls()[3].args).to.deep.equal(['config', 'set', 'location', '--stack', 'dev', '--plaintext', '--', 'westeurope']);
    });

    it('maps a missing stack to exit 3 with a one-line message', async () => {
      cli = await CliHarness.create({ stacks: ['dev'] });
      expect(await cli.run('deploy', '--stack', 'prod', '--yes')).to.equal(3);
      expect(cli.err()).to.match(/^patientctl: stack "prod" does not exist in this backend .*\n$/);
      expect(cli.commands()).to.not.include('up');
    });

    it('maps a locked stack (concurrent update) to exit 4', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], locked: true });
      expect(await cli.run('deploy', '--stack', 'dev', '--yes', '--json')).to.equal(4);
      expect(cli.json()).to.deep.equal({
        ok: false,
        error: {
          type: 'ConcurrentUpdateError',
          message: 'stack "dev" is being updated by someone else; wait for it, or run "pulumi cancel" if that update died',
          exitCode: 4,
        },
      });
      const errorLines = cli.err().trim().split('\n').filter((line) => line.startsWith('patientctl:'));
      expect(errorLines).to.deep.equal([`patientctl: ${cli.json<{ error: { message: string } }>().error.message}`]);
    });

    it('passes --backend to the CLI as PULUMI_BACKEND_URL', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS });
      expect(await cli.run('deploy', '--stack', 'dev', '--yes', '--backend', 'file:///tmp/state')).to.equal(0);
      expect(cli.calls().filter(({ args }) => args[0] !== 'version').every(({ backend }) => backend === 'file:///tmp/state')).to.equal(true);
    });
  });

  describe('preview, outputs, destroy', () => {
    it('preview reports the change summary streamed by the engine', async () => {
      cli = await CliHarness.create({ stacks: ['dev'] });
      expect(await cli.run('preview', '--stack', 'dev')).to.equal(0);
      expect(cli.commands()).to.deep.equal(['version', 'stack select', 'preview']);
      expect(cli.out()).to.include('changes: create 2');
    });

    it('preview takes --refresh and --diff, and a SIGINT off a terminal cancels it (exit 10)', async () => {
      cli = await CliHarness.create({ stacks: ['dev'], steps: 40, previewStepMs: 50 });
      const running = cli.run('preview', '--stack', 'dev', '--refresh', '--diff');
      await cli.waitFor('preview-started');
      for (const listener of cli.shutdownListeners) listener('SIGINT');
      expect(await running).to.equal(10);
      expect(cli.calls().find(({ args }) => args[0] === 'preview')!.args).to.include.members(['--refresh', '--diff']);
      expect(cli.signals()).to.deep.equal(['SIGINT']);
    });

    it('outputs prints the stack outputs, secrets masked', async () => {
      cli = await CliHarness.create({ stacks: ['prod'], outputs: PROD_OUTPUTS, secretOutputs: ['dbConnection'] });
      expect(await cli.run('outputs', '--stack', 'prod', '--json')).to.equal(0);
      expect(cli.json<{ outputs: Record<string, unknown> }>().outputs).to.deep.include({ dbConnection: '[secret]', gatewayUrl: PROD_OUTPUTS.gatewayUrl });
    });

    it('destroy refuses without --yes when stdin is not a terminal', async () => {
      cli = await CliHarness.create({ stacks: ['dev'] });
      expect(await cli.run('destroy', '--stack', 'dev')).to.equal(2);
      expect(cli.err()).to.match(/without --yes when stdin is not a terminal/);
      expect(cli.calls()).to.deep.equal([]);
    });

    it('destroy previews on a terminal, then asks, and stops unless the stack name is typed', async () => {
      cli = await CliHarness.create({ stacks: ['dev'] });
      cli.stdinIsTTY = true;
      cli.answer = 'yes';
      expect(await cli.run('destroy', '--stack', 'dev')).to.equal(10);
      expect(cli.commands()).to.deep.equal(['version', 'stack select', 'destroy']);
      expect(cli.calls()[2].args).to.include('--preview-only');
      expect(cli.out()).to.include('changes: delete 2');
      cli.answer = 'dev';
      expect(await cli.run('destroy', '--stack', 'dev')).to.equal(0);
      expect(cli.calls().filter(({ args }) => args[0] === 'destroy').map(({ args }) => args.includes('--preview-only'))).to.deep.equal([true, true, false]);
    });

    it('destroy --yes previews, then destroys without asking', async () => {
      cli = await CliHarness.create({ stacks: ['dev'] });
      expect(await cli.run('destroy', '--stack', 'dev', '--yes')).to.equal(0);
      expect(cli.questions).to.deep.equal([]);
      const destroy = cli.calls().find(({ args }) => args[0] === 'destroy' && !args.includes('--preview-only'))!.args;
      expect(destroy).to.include.members(['--yes', '--skip-preview']);
    });
  });

  describe('rotate-keys', () => {
    it('rotates on Azure with the resources named by the stack outputs and prints a JSON result', async () => {
      cli = await CliHarness.create({ stacks: ['prod'], outputs: PROD_OUTPUTS, secretOutputs: ['dbConnection'] });
      expect(await cli.run('rotate-keys', '--stack', 'prod', '--json')).to.equal(0);
      expect(cli.rotationTarget?.description).to.equal('azure stack prod');
      expect(cli.rotationTarget?.outputs).to.deep.include({ keyVaultName: PROD_OUTPUTS.keyVaultName, apimNamedValueId: PROD_OUTPUTS.apimNamedValueId });
      const result = cli.json<{ ok: boolean; apps: { app: string; outcome: string; toSlot: string }[] }>();
      expect(result.ok).to.equal(true);
      expect(result.apps.map(({ app, outcome, toSlot }) => `${app} ${outcome} ${toSlot}`)).to.deep.equal(['patient-api rotated b', 'audit-api rotated b']);
      expect(cli.commands()).to.not.include('up');
      expect(cli.platform.violations).to.deep.equal([]);
    });

    it('needs --stack for Azure', async () => {
      cli = await CliHarness.create({ stacks: [] });
      expect(await cli.run('rotate-keys')).to.equal(2);
    });

    it('names a missing stack output (exit 2)', async () => {
      cli = await CliHarness.create({ stacks: ['prod'], outputs: { gatewayUrl: 'https://x' } });
      expect(await cli.run('rotate-keys', '--stack', 'prod')).to.equal(2);
      expect(cli.err()).to.match(/has no output "patientApiAppId"/);
    });

    it('exits 6 when verification fails, callers left on their old keys', async () => {
      cli = await CliHarness.create({ stacks: ['prod'], outputs: PROD_OUTPUTS });
      const put = cli.platform.putHostKey.bind(cli.platform);
      cli.platform.putHostKey = (app, name, value) => {
        if (name === 'caller-b') cli.platform.rejectedKeys.add(value);
        return put(app, name, value);
      };
      expect(await cli.run('rotate-keys', '--stack', 'prod', '--app', 'patient', '--json')).to.equal(6);
      expect(cli.json<{ error: { type: string } }>().error.type).to.equal('VerificationFailedError');
      expect(cli.platform.callerHolds('patient-api')).to.equal('patient-api-initial');
    });

    it('bootstraps a fresh stack (exit 0, both apps), where it used to fail verification with exit 6', async () => {
      cli = await CliHarness.create({ stacks: ['prod'], outputs: PROD_OUTPUTS }, { platform: 'fresh' });
      expect(await cli.run('rotate-keys', '--stack', 'prod', '--app', 'patient')).to.equal(0);
      expect(cli.out()).to.include('patient-api: bootstrapped, slot none → a (generation 1)\naudit-api: bootstrapped, slot none → a (generation 1)\n');
      expect(cli.platform.stack.searchSucceeds()).to.equal(true);
    });

    it('plans on the local stack with --dry-run, changing nothing', async () => {
      cli = await CliHarness.create({ stacks: [] });
      cli.writeLocalStackFiles();
      expect(await cli.run('rotate-keys', '--target', 'local', '--dry-run', '--app', 'audit')).to.equal(0);
      expect(cli.rotationTarget?.description).to.equal(`local stack in ${join(cli.dir, '.local')}`);
      expect(cli.out()).to.match(/plan for audit-api \(slot a → b, generation 2\)/);
      expect(cli.platform.mutatingCalls()).to.deep.equal([]);
      expect(cli.calls()).to.deep.equal([]);
    });

    it('rejects a negative --grace', async () => {
      cli = await CliHarness.create({ stacks: [] });
      expect(await cli.run('rotate-keys', '--target', 'local', '--grace', '-1')).to.equal(2);
    });

    it('says clearly when no local stack runs in the data directory (exit 8)', async () => {
      cli = await CliHarness.create({ stacks: [] });
      expect(await cli.run('rotate-keys', '--target', 'local')).to.equal(8);
      expect(cli.err()).to.equal(`patientctl: no local stack found in ${join(cli.dir, '.local')} (start one with: patientctl local up --data-dir ${join(cli.dir, '.local')})\n`);
    });
  });

  describe('local', () => {
    it('local up starts the stack, bootstraps the keys of a first start, prints where it listens, and stops cleanly on SIGINT', async () => {
      cli = await CliHarness.create({ stacks: [] }, { platform: 'fresh' });
      cli.writeLocalStackFiles();
      const running = cli.run('local', 'up', '--port', '0');
      while (!cli.local.signal) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(cli.out()).to.include('started gateway');
      expect(cli.local.runOptions).to.deep.include({ dataDir: join(cli.dir, '.local'), port: 0 });
      expect(cli.local.runOptions?.fresh).to.equal(undefined);
      expect(cli.out()).to.include('  bootstrap: patient-api-host-key and audit-api-host-key hold no host key; issuing first keys\n');
      expect(cli.out()).to.include('first start: host keys issued by the bootstrap rotation, as `patientctl rotate-keys` does after the first deploy to Azure\n');
      expect(cli.platform.stack.searchSucceeds()).to.equal(true);
      cli.local.signal();
      expect(await running).to.equal(0);
      expect(cli.local.stopCalled).to.equal(true);
      expect(cli.out()).to.include('local stack stopped');
    });

    it('local up --fresh starts as Azure after the first deploy: no bootstrap', async () => {
      cli = await CliHarness.create({ stacks: [] }, { platform: 'fresh' });
      const running = cli.run('local', 'up', '--fresh');
      while (!cli.local.signal) await new Promise((resolve) => setTimeout(resolve, 5));
      const { localCommand, ...runOptions } = cli.local.runOptions!;
      expect(runOptions).to.deep.equal({ dataDir: join(cli.dir, '.local'), port: 8080, stack: 'dev', config: {}, logFormat: 'json', fresh: true });
      // The banner's commands for the default data directory need no --data-dir.
      expect(localCommand?.('keys')).to.equal('npx patientctl local keys');
      expect(cli.platform.mutatingCalls()).to.deep.equal([]);
      cli.local.signal();
      expect(await running).to.equal(0);
    });

    it('local up runs the program with the stack and config values given', async () => {
      cli = await CliHarness.create({ stacks: [] }, { platform: 'fresh' });
      const running = cli.run('local', 'up', '--fresh', '--stack', 'prod', '-c', 'contractsDir=/tmp/contracts', '-c', 'ephemeral=true');
      while (!cli.local.signal) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(cli.local.runOptions).to.deep.include({ stack: 'prod', config: { contractsDir: '/tmp/contracts', ephemeral: 'true' } });
      cli.local.signal();
      expect(await running).to.equal(0);
    });

    it('local down says when nothing runs; local status prints the status', async () => {
      cli = await CliHarness.create({ stacks: [] });
      expect(await cli.run('local', 'down')).to.equal(0);
      expect(cli.out()).to.include('no local stack is running');
      expect(await cli.run('--json', 'local', 'status')).to.equal(0);
    });
  });
});
