import { validateWorkflow } from '@action-validator/core';
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const WORKFLOWS = join(__dirname, '..', '..', '.github', 'workflows');
const files = readdirSync(WORKFLOWS).filter((name) => name.endsWith('.yml'));
const source = (name: string) => readFileSync(join(WORKFLOWS, name), 'utf8');

interface Step {
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { if?: string; environment?: string; env?: Record<string, string>; steps: Step[] }>;
}

/** The patientctl subcommands a job's steps run, in order (`rotate-keys`, `verify`, ...). */
const patientctlRuns = (steps: Step[]) =>
  steps.flatMap((step) => [...(step.run ?? '').matchAll(/node dist\/tool\/cli\/main\.js ([a-z-]+)/g)].map((match) => match[1]));

describe('GitHub workflows', () => {
  it('there are the CI, rotation, preview and end-to-end workflows', () => {
    expect(files.sort()).to.deep.equal(['ci.yml', 'e2e.yml', 'preview.yml', 'rotate-keys.yml']);
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

  it('rotate-keys verifies the deployment after the rotation (no synthetic writes), except on a dry run', () => {
    const workflow = parse(source('rotate-keys.yml')) as Workflow;
    const steps = workflow.jobs.rotate.steps;
    expect(patientctlRuns(steps)).to.deep.equal(['rotate-keys', 'verify']);
    const verify = steps.find((step) => step.run?.includes('main.js verify'))!;
    expect(verify.run).to.contain('--no-writes');
    expect(verify.run).to.contain('set -o pipefail');
    expect(verify.if).to.equal('${{ !inputs.dry-run }}');
  });

  it('e2e deploys a stack named after the run, rotates, verifies, rotates under load, verifies, and always destroys it and keeps its outputs', () => {
    const workflow = parse(source('e2e.yml')) as Workflow;
    expect(Object.keys(workflow.on).sort()).to.deep.equal(['schedule', 'workflow_dispatch']);
    expect(workflow.permissions).to.deep.equal({ 'id-token': 'write', contents: 'read' });
    const job = workflow.jobs.e2e;
    expect(job.env?.STACK).to.equal('e2e-${{ github.run_id }}-${{ github.run_attempt }}');
    expect(patientctlRuns(job.steps)).to.deep.equal(['deploy', 'rotate-keys', 'verify', 'outputs', 'rotate-keys', 'verify', 'destroy']);
    const create = job.steps.find((step) => step.name === 'Create the throwaway stack')!;
    expect(create.run).to.contain('--type bool ephemeral true');
    const load = job.steps.find((step) => step.run?.includes('locust -f load/locustfile.py'))!;
    // Locust runs in the background while the second rotation runs; its exit code (any failed request) counts.
    const script = load.run!;
    expect(script.indexOf('&\n')).to.be.within(script.indexOf('locust -f'), script.indexOf('rotate-keys'));
    expect(script.trimEnd().endsWith('wait "$load"')).to.equal(true);
    const destroy = job.steps.find((step) => step.run?.includes('main.js destroy'))!;
    expect(destroy.if).to.equal('always()');
    const upload = job.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).to.equal('always()');
    expect(upload.with?.path).to.equal('e2e-out/');
    expect(job.steps.indexOf(upload)).to.be.greaterThan(job.steps.indexOf(destroy));
    expect(job.steps.find((step) => step.uses?.startsWith('azure/login@'))?.with).to.have.keys(['client-id', 'tenant-id', 'subscription-id']);
  });
});
