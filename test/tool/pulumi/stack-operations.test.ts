import { expect } from 'chai';
import { PulumiCommand } from '@pulumi/pulumi/automation';
import { join } from 'node:path';
import { ConcurrentUpdateError, PulumiCommandError } from '../../../tool/errors';
import { readStackOutputs, upStack } from '../../../tool/pulumi/stack-operations';
import { CliHarness, FAKE_PULUMI_ROOT } from '../cli/harness';

describe('stack operations (Automation API with a fake pulumi)', function () {
  this.timeout(30_000);
  let fake: CliHarness;
  afterEach(() => fake.cleanup());

  it('runs one update per process: a second concurrent update is refused', async () => {
    fake = await CliHarness.create({ stacks: ['dev'] });
    const deps = { workDir: fake.dir, pulumiCommand: () => PulumiCommand.get({ root: FAKE_PULUMI_ROOT }) };
    const first = upStack(deps, { stackName: 'dev' }, [], {});
    const second = await upStack(deps, { stackName: 'dev' }, [], {}).catch((e: unknown) => e);
    expect(second).to.be.instanceOf(ConcurrentUpdateError);
    expect((await first).changes).to.deep.equal({ create: 2 });
    expect(fake.commands().filter((command) => command === 'up')).to.have.length(1);
  });

  it('says the pulumi CLI is missing instead of printing a spawn error', async () => {
    fake = await CliHarness.create({ stacks: ['dev'] });
    const deps = { workDir: fake.dir, pulumiCommand: () => PulumiCommand.get({ root: join(fake.dir, 'no-pulumi-here') }) };
    const error = await readStackOutputs(deps, { stackName: 'dev' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PulumiCommandError);
    expect((error as Error).message).to.equal('the pulumi CLI was not found on PATH; install Pulumi 3.248.0');
  });
});
