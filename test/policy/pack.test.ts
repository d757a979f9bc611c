import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const POLICY_DIR = join(__dirname, '..', '..', 'policy');

describe('policy pack (policy/index.ts, started as Pulumi starts it)', function () {
  this.timeout(60_000);

  it('loads on Node through tsx, is accepted by @pulumi/policy (pack and policy names) and serves its gRPC port', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'index.ts'], { cwd: POLICY_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const line = /^(\d+)\s*$/m.exec(stdout);
          if (line) resolve(Number(line[1]));
        });
        child.once('exit', (code) => reject(new Error(`the pack exited (${code}) before serving: ${stderr}`)));
      });
      expect(port).to.be.within(1, 65535);
      expect(stderr).to.equal('');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
