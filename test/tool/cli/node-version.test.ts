import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeVersionProblem } from '../../../tool/cli/node-version';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const ENGINES = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
const SYSTEM_NODE = '/usr/bin/node';

const problem = (running: string) =>
  `this is Node.js ${running}, and patientctl needs Node.js >=22.12 (package.json engines): run it with \`npm start\` or \`npx patientctl <command>\`, which use the Node.js 22 the repository pins`;

describe('patientctl on a Node.js older than package.json engines', () => {
  it('names the Node.js it needs, the one it runs on, and the commands that run the pinned one', () => {
    expect(nodeVersionProblem('20.20.2', '>=22.12')).to.equal(problem('20.20.2'));
    expect(nodeVersionProblem('22.11.9', '>=22.12')).to.equal(problem('22.11.9'));
    for (const running of ['22.12.0', '22.23.5', '23.0.0', '24.1.0']) expect(nodeVersionProblem(running, '>=22.12'), running).to.equal(undefined);
  });

  it("reads the repository's engines range, which the Node.js running the tests satisfies", () => {
    expect(nodeVersionProblem(process.versions.node, ENGINES)).to.equal(undefined);
    expect(() => nodeVersionProblem(process.versions.node, '^22.12')).to.throw('is not a ">=x.y.z" range');
  });

  it('on the system Node.js 20 exits 12 with that one line before loading anything that needs Node.js 22', async function () {
    const running = existsSync(SYSTEM_NODE) ? spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim() : '';
    if (!running || Number(running.split('.')[0]) >= 22) this.skip();
    this.timeout(60_000);
    const child = spawn(SYSTEM_NODE, ['--import', 'tsx', join(REPO_ROOT, 'tool', 'cli', 'main.ts'), '--json', 'local', 'up', '--port', '0'], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).to.equal(12);
    expect(stderr).to.equal(`patientctl: ${problem(running)}\n`);
    expect(JSON.parse(stdout)).to.deep.equal({ ok: false, error: { type: 'NodeVersionError', message: problem(running), exitCode: 12 } });
  });
});
