import { expect } from 'chai';
import { PulumiCommand } from '@pulumi/pulumi/automation';
import { join } from 'node:path';
import { CancelledError, ConcurrentUpdateError, PulumiCommandError } from '../../../tool/errors';
import { GracefulStop } from '../../../tool/pulumi/graceful-stop';
import { openStack, readStackOutputs, updateStack } from '../../../tool/pulumi/stack-operations';
import { CliHarness, FAKE_PULUMI_ROOT } from '../cli/harness';

describe('stack operations (Automation API with a fake pulumi)', function () {
  this.timeout(30_000);
  let fake: CliHarness;
  afterEach(() => fake.cleanup());
  const deps = () => ({ workDir: fake.dir, pulumiCommand: () => PulumiCommand.get({ root: FAKE_PULUMI_ROOT }) });

  it('runs one update per process: a second concurrent update is refused', async () => {
    fake = await CliHarness.create({ stacks: ['dev'] });
    const opened = await openStack(deps(), { stackName: 'dev' });
    const first = updateStack(opened, {});
    const second = await updateStack(opened, {}).catch((e: unknown) => e);
    expect(second).to.be.instanceOf(ConcurrentUpdateError);
    expect((await first).changes).to.deep.equal({ create: 2 });
    expect(fake.commands().filter((command) => command === 'up')).to.have.length(1);
  });

  it('says the pulumi CLI is missing instead of printing a spawn error', async () => {
    fake = await CliHarness.create({ stacks: ['dev'] });
    const missing = { workDir: fake.dir, pulumiCommand: () => PulumiCommand.get({ root: join(fake.dir, 'no-pulumi-here') }) };
    const error = await readStackOutputs(missing, { stackName: 'dev' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PulumiCommandError);
    expect((error as Error).message).to.equal('the pulumi CLI was not found on PATH; install Pulumi 3.248.0');
  });

  it('stops through the signal option: one request is one SIGINT (Pulumi cancels gracefully), a second one a second SIGINT (Pulumi terminates)', async () => {
    fake = await CliHarness.create({ stacks: ['dev'], steps: 100, stepMs: 100 });
    const opened = await openStack(deps(), { stackName: 'dev' });
    const stop = new GracefulStop();
    const update = updateStack(opened, {}, { stop }).catch((e: unknown) => e);
    await fake.waitFor('up-started');
    expect(stop.request(true)).to.equal('graceful');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stop.request(true)).to.equal('forced');
    const error = await update;
    expect(error).to.be.instanceOf(CancelledError);
    expect(fake.signals()).to.deep.equal(['SIGINT', 'SIGINT']);
  });
});
