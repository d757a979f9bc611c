import { expect } from 'chai';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../tool/cli/program';
import { CliHarness } from './harness';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(REPO_ROOT, 'tool', 'cli', 'main.ts');

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** patientctl as a process; `detached` puts it in a process group of its own, as a service manager does. */
function patientctl(args: string[], detached = false): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO_ROOT, detached, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The processes of a process group other than its leader, from /proc. */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== pgid)
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('patientctl local up as a process in a process group of its own', function () {
  this.timeout(240_000);
  const workDir = mkdtempSync(join(tmpdir(), 'local-up-process-'));
  const dataDir = join(workDir, 'data');
  let up: Run;

  before(async () => {
    up = patientctl(['local', 'up', '--port', '0', '--data-dir', dataDir, '--log-format', 'pretty'], true);
    const ready = await Promise.race([until(() => up.stdout().includes('Ctrl-C stops the stack.'), 200_000), up.exited.then(() => false)]);
    if (!ready) throw new Error(`local up did not start: ${up.stderr()}`);
  });

  after(async () => {
    if (up.child.exitCode === null && up.child.signalCode === null) {
      process.kill(-up.child.pid!, 'SIGKILL');
      await up.exited;
    }
    rmSync(workDir, { recursive: true, force: true });
  });

  // The refusals run in this process, on the real local stack API: the running stack is all they need.
  async function localUpHere(...args: string[]): Promise<{ code: number; stderr: string }> {
    const cli = await CliHarness.create({ stacks: [] });
    try {
      const code = await runCli(['local', 'up', ...args], { ...cli.deps(), localStack: () => import('../../../twin/index.js') });
      return { code, stderr: cli.err() };
    } finally {
      await cli.cleanup();
    }
  }

  it('refuses a second local up on the same data directory: exit 8, one line naming local down and local status', async () => {
    const second = await localUpHere('--port', '0', '--data-dir', dataDir);
    expect(second.code).to.equal(8);
    expect(second.stderr).to.equal(
      `patientctl: a local stack is already running for ${dataDir} (pid ${up.child.pid}); stop it with \`npx patientctl local down --data-dir ${dataDir}\` (or see it with \`npx patientctl local status --data-dir ${dataDir}\`)\n`,
    );
  });

  it('refuses a port another process listens on before starting anything: exit 8, one line naming --port', async () => {
    const { gatewayUrl } = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as { gatewayUrl: string };
    const { hostname, port } = new URL(gatewayUrl);
    const otherDir = join(workDir, 'other');
    const busy = await localUpHere('--port', port, '--data-dir', otherDir);
    expect(busy.code).to.equal(8);
    expect(busy.stderr).to.equal(`patientctl: the gateway's address ${hostname}:${port} is in use by another process; pick another port with --port <n> (0 picks a free one)\n`);
    expect(existsSync(join(otherDir, 'db'))).to.equal(false);
  });

  it("pretty-prints the processes' log lines when told to, into a pipe too: no JSON line, no key", () => {
    const lines = up.stdout().split('\n');
    expect(lines.filter((line) => line.startsWith('{'))).to.deep.equal([]);
    expect(lines.some((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(apim\): request .*route=\/patient\/search .*status=200/.test(line))).to.equal(true);
    expect(lines.some((line) => /^\[[\d:.]+\] INFO \(patient-api\): request .*operation=searchPatients/.test(line))).to.equal(true);
    const { subscriptionKey, complianceSubscriptionKey } = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as Record<string, string>;
    expect(up.stdout()).to.not.contain(subscriptionKey).and.not.contain(complianceSubscriptionKey);
  });

  it('stops cleanly on SIGTERM to its process group, as systemd and `timeout` send it: exit 0, no stack trace, no process left', async () => {
    const pgid = up.child.pid!;
    expect(groupMembers(pgid).length).to.be.greaterThan(4);
    process.kill(-pgid, 'SIGTERM');
    expect(await up.exited).to.equal(0);
    // The databases' last lines come before the stack says it has stopped.
    expect(up.stdout()).to.match(/INFO \(patients-data\): closed\n[^]*local stack stopped\n$/);
    expect(up.stderr()).to.not.match(/EPIPE|\n\s+at /);
    expect(await until(() => groupMembers(pgid).length === 0, 5000), `left running: ${groupMembers(pgid).join(', ')}`).to.equal(true);
  });
});
