import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { writeUntilClosed } from '../../../tool/cli/closed-output';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(REPO_ROOT, 'tool', 'cli', 'main.ts');

class FakeStream extends EventEmitter {
  readonly written: string[] = [];
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
}

describe('patientctl output to a reader that went away', function () {
  this.timeout(60_000);

  it('stops writing after EPIPE and lets the command go on', () => {
    const stream = new FakeStream();
    const write = writeUntilClosed(stream);
    write('first\n');
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    write('second\n');
    expect(stream.written).to.deep.equal(['first\n']);
  });

  it('still raises any other stream error', () => {
    const stream = new FakeStream();
    writeUntilClosed(stream);
    expect(() => stream.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).to.throw('EIO');
  });

  it('`patientctl --help | head -0` ends quietly with exit 0, no stack trace', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--help'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader closes before patientctl writes anything, as `head` does once it has its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
  });
});
