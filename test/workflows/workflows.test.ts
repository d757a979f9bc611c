import { validateWorkflow } from '@action-validator/core';
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const WORKFLOWS = join(__dirname, '..', '..', '.github', 'workflows');
const files = readdirSync(WORKFLOWS).filter((name) => name.endsWith('.yml'));
const source = (name: string) => readFileSync(join(WORKFLOWS, name), 'utf8');

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { if?: string; environment?: string; steps: Step[] }>;
}

describe('GitHub workflows', () => {
  it('there are the CI, rotation and preview workflows', () => {
    expect(files.sort()).to.deep.equal(['ci.yml', 'preview.yml', 'rotate-keys.yml']);
  });

  for (const name of files) {
    it(`${name} is a valid workflow (action-validator, GitHub's workflow schema)`, () => {
      expect(validateWorkflow(source(name)).errors).to.deep.equal([]);
    });

    it(`${name} pins every action to a commit SHA, with its version in a comment`, () => {
      const uses = source(name)
        .split('\n')
        .filter((line) => /^\s*-?\s*uses:/.test(line));
      expect(uses).to.not.be.empty;
      for (const line of uses) expect(line, line).to.match(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    });
  }

  it('the validator refuses a broken copy (a job without runs-on, a misspelt key)', () => {
    const broken = source('preview.yml').replace(/^ {4}runs-on: .*\n/m, '').replace('timeout-minutes:', 'timeout-minute:');
    expect(validateWorkflow(broken).errors).to.not.be.empty;
  });

  it('preview runs the preview with the policy pack for pull requests from this repository only, behind an environment, with OIDC', () => {
    const workflow = parse(source('preview.yml')) as Workflow;
    expect(Object.keys(workflow.on)).to.deep.equal(['pull_request']);
    expect(workflow.permissions).to.deep.equal({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    const job = workflow.jobs.preview;
    expect(job.if).to.equal('github.event.pull_request.head.repo.full_name == github.repository');
    expect(job.environment).to.equal('preview');
    const pulumi = job.steps.find((step) => step.uses?.startsWith('pulumi/actions@'));
    expect(pulumi?.with).to.include({ command: 'preview', policyPacks: 'policy', 'comment-on-pr': true });
    expect(job.steps.some((step) => step.uses?.startsWith('pulumi/auth-actions@'))).to.equal(true);
    expect(job.steps.find((step) => step.uses?.startsWith('azure/login@'))?.with).to.have.keys(['client-id', 'tenant-id', 'subscription-id']);
    expect(source('preview.yml')).to.not.match(/secrets\./);
  });
});
