import type { Command } from 'commander';
import { openStack, previewUpdate } from '../../pulumi/stack-operations';
import type { CliDeps } from '../deps';
import { backendOption, requireStack, stackOption, reporterFor } from './common';
import { addPulumiFlags, changeLine, operationProgress, withGracefulStop, type PulumiFlags } from './pulumi-operation';

export function registerPreviewCommand(program: Command, deps: CliDeps): void {
  const command = program
    .command('preview')
    .description('show what deploy would change in the stack, changing nothing')
    .addOption(stackOption())
    .addOption(backendOption());
  addPulumiFlags(command).action(async (options: PulumiFlags & { stack?: string; backend?: string }, command: Command) => {
    const report = reporterFor(command, deps);
    const stackName = requireStack(options.stack, 'preview');
    const opened = await openStack(deps.pulumi, { stackName, backendUrl: options.backend });
    const changes = await withGracefulStop(deps, report, options, (operation) => previewUpdate(opened, operationProgress(report), operation));
    report.line(changeLine(changes));
    report.result({ ok: true, stack: stackName, changes });
  });
}
