import { expect } from 'chai';
import { logFormatFor } from '../../../tool/cli/commands/local-log-format';
import { CliHarness } from './harness';

describe("patientctl local up --log-format: the processes' log lines, pretty on a terminal, JSON otherwise", function () {
  this.timeout(30_000);
  it('auto is pretty on a terminal and JSON for pipes and CI; pretty and json force either', () => {
    expect(logFormatFor('auto', true)).to.equal('pretty');
    expect(logFormatFor('auto', false)).to.equal('json');
    expect(logFormatFor('json', true)).to.equal('json');
    expect(logFormatFor('pretty', false)).to.equal('pretty');
  });

  async function logFormatOfLocalUp(stdoutIsTTY: boolean, ...args: string[]): Promise<string | undefined> {
    const cli = await CliHarness.create({ stacks: [] }, { platform: 'fresh' });
    try {
      cli.stdoutIsTTY = stdoutIsTTY;
      const running = cli.run('local', 'up', '--fresh', ...args);
      while (!cli.local.signal) await new Promise((resolve) => setTimeout(resolve, 5));
      cli.local.signal();
      expect(await running).to.equal(0);
      return cli.local.runOptions?.logFormat;
    } finally {
      await cli.cleanup();
    }
  }

  it('local up asks the stack for pretty lines on a terminal, JSON off one, unless told', async () => {
    expect(await logFormatOfLocalUp(true)).to.equal('pretty');
    expect(await logFormatOfLocalUp(false)).to.equal('json');
    expect(await logFormatOfLocalUp(true, '--log-format', 'json')).to.equal('json');
    expect(await logFormatOfLocalUp(false, '--log-format', 'pretty')).to.equal('pretty');
  });

  it('refuses another format (exit 2), naming the ones it takes', async () => {
    const cli = await CliHarness.create({ stacks: [] });
    try {
      expect(await cli.run('local', 'up', '--log-format', 'yaml')).to.equal(2);
      expect(cli.err()).to.contain("option '--log-format <format>' argument 'yaml' is invalid. Allowed choices are auto, pretty, json.");
    } finally {
      await cli.cleanup();
    }
  });
});
