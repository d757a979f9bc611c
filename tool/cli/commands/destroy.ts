import type { Command } from 'commander';
import { destroyStack, openStack, previewDestroy } from '../../pulumi/stack-operations';
import type { CliDeps } from '../deps';
import { CancelledError, UsageError } from '../../errors';
import { backendOption, requireStack, stackOption, reporterFor } from './common';
import { addPulumiFlags, changeLine, operationProgress, withGracefulStop, type PulumiFlags } from './pulumi-operation';

export function registerDestroyCommand(program: Command, deps: CliDeps): void {
  const command = program
    .command('destroy')
    .description('preview, then delete every resource of the stack (asks first unless --yes)')
    .addOption(stackOption())
    .addOption(backendOption())
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)');
  addPulumiFlags(command).action(async (options: PulumiFlags & { stack?: string; backend?: string; yes?: boolean }, command: Command) => {
    const report = reporterFor(command, deps);
    const stackName = requireStack(options.stack, 'destroy');
    if (!options.yes && !deps.stdinIsTTY) throw new UsageError(`refusing to destroy stack "${stackName}" without --yes when stdin is not a terminal`);
    const opened = await openStack(deps.pulumi, { stackName, backendUrl: options.backend });
    const progress = operationProgress(report);
    const changes = await withGracefulStop(deps, report, options, async (operation) => {
      report.line(`previewing the destroy of stack ${stackName}...`);
      report.line(changeLine(await previewDestroy(opened, progress, operation)));
      if (!options.yes) {
        const answer = await deps.ask(`This deletes every resource of stack "${stackName}", patient data included. Type the stack name to confirm: `);
        if (answer.trim() !== stackName) throw new CancelledError('destroy cancelled; nothing was changed');
      }
      return destroyStack(opened, progress, operation);
    });
    report.line(`stack ${stackName} destroyed`);
    report.result({ ok: true, stack: stackName, changes });
  });
}
