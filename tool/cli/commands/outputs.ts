import type { Command } from 'commander';
import { readStackOutputs } from '../../pulumi/stack-operations';
import type { CliDeps } from '../deps';
import { formatOutputs, maskedOutputs } from '../output';
import { backendOption, requireStack, stackOption, reporterFor } from './common';

export function registerOutputsCommand(program: Command, deps: CliDeps): void {
  program
    .command('outputs')
    .description("print the stack's outputs (secret outputs stay masked)")
    .addOption(stackOption())
    .addOption(backendOption())
    .action(async (options: { stack?: string; backend?: string }, command: Command) => {
      const report = reporterFor(command, deps);
      const stackName = requireStack(options.stack, 'outputs');
      const outputs = await readStackOutputs(deps.pulumi, { stackName, backendUrl: options.backend });
      for (const line of formatOutputs(outputs)) report.line(line.trimStart());
      report.result({ ok: true, stack: stackName, outputs: maskedOutputs(outputs) });
    });
}
