import type { Command } from 'commander';
import { destroyStack } from '../../pulumi/stack-operations';
import type { CliDeps } from '../deps';
import { CancelledError, UsageError } from '../../errors';
import { backendOption, requireStack, stackOption, reporterFor } from './common';
import { engineEventLine } from './engine-events';

export function registerDestroyCommand(program: Command, deps: CliDeps): void {
  program
    .command('destroy')
    .description('delete every resource of the stack (asks first unless --yes)')
    .addOption(stackOption())
    .addOption(backendOption())
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .action(async (options: { stack?: string; backend?: string; yes?: boolean }, command: Command) => {
      const report = reporterFor(command, deps);
      const stackName = requireStack(options.stack, 'destroy');
      if (!options.yes) {
        if (!deps.stdinIsTTY) throw new UsageError(`refusing to destroy stack "${stackName}" without --yes when stdin is not a terminal`);
        const answer = await deps.ask(`This deletes every resource of stack "${stackName}", patient data included. Type the stack name to confirm: `);
        if (answer.trim() !== stackName) throw new CancelledError('destroy cancelled; nothing was changed');
      }
      const changes = await destroyStack(deps.pulumi, { stackName, backendUrl: options.backend }, {
        output: report.json ? undefined : (text) => report.progress(text),
        event: report.json ? (event) => engineEventLine(event, (line) => report.line(line)) : undefined,
      });
      report.line(`stack ${stackName} destroyed`);
      report.result({ ok: true, stack: stackName, changes });
    });
}
