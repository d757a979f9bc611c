import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliHarness, FAKE_PULUMI_ROOT, PROD_OUTPUTS } from './harness';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(REPO_ROOT, 'tool', 'cli', 'main.ts');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('patientctl deploy as a process, stopped mid-update', function () {
  // Bundling both apps comes first and takes seconds on a loaded machine.
  this.timeout(180_000);
  let cli: CliHarness;
  afterEach(() => cli.cleanup());

  it('on SIGINT lets Pulumi cancel gracefully through the SDK, waits for it, exits 10 and leaves no pulumi process behind', async () => {
    cli = await CliHarness.create({ stacks: ['dev'], outputs: PROD_OUTPUTS, steps: 600, stepMs: 100 });
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'deploy', '--stack', 'dev', '--yes'], {
      cwd: REPO_ROOT,
      env: { ...process.env, FAKE_PULUMI_DIR: cli.dir, PATH: `${join(FAKE_PULUMI_ROOT, 'bin')}:${process.env.PATH ?? ''}` },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await cli.waitFor('up-started', 150_000);
    const pulumiPid = Number(readFileSync(join(cli.dir, 'up-started'), 'utf8'));
    expect(alive(pulumiPid)).to.equal(true);
    child.kill('SIGINT');

    expect(await exited, stderr).to.equal(10);
    expect(cli.signals()).to.deep.equal(['SIGINT']);
    expect(stdout).to.include('SIGINT: stopping gracefully');
    expect(stdout).to.include('^C received; cancelling.');
    expect(stderr).to.equal('patientctl: update of stack "dev" cancelled: Pulumi stopped and saved what it had done; run it again to finish\n');
    expect(alive(pulumiPid), 'the pulumi process is gone').to.equal(false);
  });
});
