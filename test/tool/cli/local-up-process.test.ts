import { expect } from 'chai';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
    up = patientctl(['local', 'up', '--port', '0', '--data-dir', dataDir], true);
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

  it('stops cleanly on SIGTERM to its process group, as systemd and `timeout` send it: exit 0, no stack trace, no process left', async () => {
    const pgid = up.child.pid!;
    expect(groupMembers(pgid).length).to.be.greaterThan(4);
    process.kill(-pgid, 'SIGTERM');
    expect(await up.exited).to.equal(0);
    expect(up.stdout()).to.contain('local stack stopped');
    expect(up.stderr()).to.not.match(/EPIPE|\n\s+at /);
    expect(await until(() => groupMembers(pgid).length === 0, 5000), `left running: ${groupMembers(pgid).join(', ')}`).to.equal(true);
  });
});
