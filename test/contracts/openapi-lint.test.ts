import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTRACT_FILE, loadContract } from './openapi-walk';

const ROOT = join(__dirname, '..', '..');
const CONFIG = join(ROOT, 'redocly.yaml');
const CLI = require.resolve('@redocly/cli/bin/cli.js');

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: Array<{ pointer?: string }>;
}

/** Runs Redocly CLI as `npm test` does (the rules of redocly.yaml), offline, and returns each problem as a line. */
function lint(file?: string): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [CLI, 'lint', ...(file === undefined ? [] : [file]), '--config', CONFIG, '--format', 'json'],
      { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        // Exit code 1 means errors were found: the JSON report still says which.
        const start = stdout.indexOf('{');
        if (start < 0) {
          reject(new Error(`redocly lint printed no report (${error?.message ?? 'no error'}): ${stderr.slice(0, 2000)}`));
          return;
        }
        const report = JSON.parse(stdout.slice(start)) as { problems: LintProblem[] };
        resolvePromise(report.problems.map((problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer ?? ''}: ${problem.message}`));
      },
    );
  });
}

describe('contracts/patient-api.openapi.json lint (Redocly recommended rules)', function () {
  this.timeout(120_000);

  it('reports no error and no warning on the contract', async () => {
    expect(await lint()).to.deep.equal([]);
  });

  it('reports a contract without a licence and with a response example its schema refuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
    try {
      const broken = loadContract() as { info: Record<string, unknown>; components: { examples: Record<string, { value: Record<string, unknown> }> } };
      delete broken.info.license;
      broken.components.examples.PatientAlex.value.gender = 'robot';
      const file = join(dir, 'patient-api.openapi.json');
      writeFileSync(file, JSON.stringify(broken, null, 2));
      const problems = await lint(file);
      expect(problems.some((problem) => problem.includes('info-license'))).to.equal(true);
      expect(problems.some((problem) => problem.includes('no-invalid-media-type-examples') && problem.includes('gender'))).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waives a rule only with the reason written above it', () => {
    const lines = readFileSync(CONFIG, 'utf8').split('\n');
    const unexplained = lines.filter((line, index) => /^\s+[\w.-]+:\s*off\b/.test(line) && !lines[index - 1]?.trim().startsWith('#'));
    expect(unexplained).to.deep.equal([]);
    expect(readFileSync(CONFIG, 'utf8')).to.include(CONTRACT_FILE.slice(ROOT.length + 1));
  });
});
