import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisedChild, type SupervisedChildOptions } from '../../../twin/process/supervised-child';

const IDLE_CHILD = join(__dirname, 'fixtures', 'idle-child.ts');

/**
 * Blocks this process, without a turn of its event loop, until `pid` has exited (a zombie not yet
 * reaped): the child is gone, but this process has read neither its exit nor its closed channel,
 * as when a signal to the whole process group ends the children before the supervisor runs.
 */
function waitUntilExitedUnnoticed(pid: number): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = `/proc/${pid}/status`;
    if (!existsSync(status)) throw new Error(`pid ${pid} was reaped already`);
    // A zombie whose threads have all ended: its files, the channel among them, are closed.
    const text = readFileSync(status, 'utf8');
    if (/^State:\s+Z/m.test(text) && /^Threads:\s+1$/m.test(text)) return;
    if (Date.now() > deadline) throw new Error(`pid ${pid} did not exit`);
    Atomics.wait(sleeper, 0, 0, 20);
  }
}

describe('supervised child process', function () {
  this.timeout(30_000);
  const reports: string[] = [];
  const supervised = (output: Partial<Pick<SupervisedChildOptions, 'inheritOutput' | 'stdoutLine'>> = {}) =>
    new SupervisedChild({
      name: 'idle',
      entry: { file: IDLE_CHILD, execArgv: ['--import', 'tsx'] },
      config: () => ({}),
      env: process.env,
      inheritOutput: false,
      report: (line) => reports.push(line),
      ...output,
    });

  it('stops a child that ended before the supervisor noticed, without a write EPIPE', async () => {
    const child = supervised();
    const { pid } = (await child.start()) as { pid: number };
    process.kill(pid, 'SIGKILL');
    waitUntilExitedUnnoticed(pid);
    await child.stop();
    expect(child.status().state).to.equal('stopped');
  });

  it('fails a call to a child that ended before the supervisor noticed, instead of crashing the supervisor', async () => {
    const child = supervised();
    const { pid } = (await child.start()) as { pid: number };
    process.kill(pid, 'SIGKILL');
    waitUntilExitedUnnoticed(pid);
    const error = await child.call('ping', {}).then(
      () => undefined,
      (failed: Error) => failed,
    );
    await child.stop();
    expect(error?.message).to.match(/^idle\b/);
  });

  it('leaves its stop to the supervisor on a SIGTERM, as on Ctrl-C, so the supervisor stops the children in order', async () => {
    const child = supervised();
    const { pid } = (await child.start()) as { pid: number };
    process.kill(pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(child.status().state).to.equal('up');
    expect(await child.call('ping', {})).to.equal('pong');
    await child.stop();
    expect(child.status().state).to.equal('stopped');
  });

  it("hands over the child's stdout line by line, its last lines before stop resolves", async () => {
    const lines: string[] = [];
    const child = supervised({ inheritOutput: true, stdoutLine: (line) => lines.push(line) });
    await child.start();
    await child.call('say', 'first line');
    await child.stop();
    expect(lines).to.deep.equal(['first line', 'closed']);
  });
});
