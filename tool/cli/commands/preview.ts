import type { Command } from 'commander';
import { previewStack } from '../../pulumi/stack-operations';
import type { CliDeps } from '../deps';
import { backendOption, requireStack, stackOption, reporterFor } from './common';
import { engineEventLine } from './engine-events';

export function registerPreviewCommand(program: Command, deps: CliDeps): void {
  program
    .command('preview')
    .description('show what deploy would change in the stack, changing nothing')
    .addOption(stackOption())
    .addOption(backendOption())
    .action(async (options: { stack?: string; backend?: string }, command: Command) => {
      const report = reporterFor(command, deps);
      const stackName = requireStack(options.stack, 'preview');
      const changes = await previewStack(deps.pulumi, { stackName, backendUrl: options.backend }, {
        output: report.json ? undefined : (text) => report.progress(text),
        event: report.json ? (event) => engineEventLine(event, (line) => report.line(line)) : undefined,
      });
      report.line(`changes: ${Object.entries(changes).map(([op, count]) => `${op} ${count}`).join(', ') || 'none'}`);
      report.result({ ok: true, stack: stackName, changes });
    });
}
