import type { Command } from 'commander';
import { awaitReferences } from '../../azure/deployed-references';
import { readAzureStackOutputs } from '../../azure/stack-outputs';
import { parseConfigAssignment, upStack } from '../../pulumi/stack-operations';
import type { CliDeps } from '../deps';
import { formatOutputs, maskedOutputs } from '../output';
import { backendOption, parseNonNegative, requireStack, stackOption, reporterFor } from './common';
import { engineEventLine } from './engine-events';

interface DeployOptions {
  stack?: string;
  backend?: string;
  create?: boolean;
  config: string[];
  referenceTimeout: number;
}

/** Role assignments can take about 10 minutes to apply (Azure RBAC troubleshooting). */
const DEFAULT_REFERENCE_TIMEOUT_SECONDS = 600;

export function registerDeployCommand(program: Command, deps: CliDeps): void {
  program
    .command('deploy')
    .description('pulumi up the stack (the program bundles both apps into run-from-package zips), then wait until its Key Vault references resolve')
    .addOption(stackOption())
    .addOption(backendOption())
    .option('--create', 'create the stack if it does not exist yet')
    .option('-c, --config <key=value>', 'set a stack config value before the update (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option(
      '--reference-timeout <seconds>',
      `how long to keep refreshing Key Vault references that do not resolve yet (default ${DEFAULT_REFERENCE_TIMEOUT_SECONDS})`,
      parseNonNegative('--reference-timeout'),
      DEFAULT_REFERENCE_TIMEOUT_SECONDS,
    )
    .action(async (options: DeployOptions, command: Command) => {
      const report = reporterFor(command, deps);
      const stackName = requireStack(options.stack, 'deploy');
      const config = options.config.map(parseConfigAssignment);

      report.line(`updating stack ${stackName}...`);
      const summary = await upStack(deps.pulumi, { stackName, backendUrl: options.backend, create: options.create }, config, {
        output: report.json ? undefined : (text) => report.progress(text),
        event: report.json ? (event) => engineEventLine(event, (line) => report.line(line)) : undefined,
      });
      report.line('outputs:');
      for (const line of formatOutputs(summary.outputs)) report.line(line);

      const outputs = readAzureStackOutputs(stackName, Object.fromEntries(Object.entries(summary.outputs).map(([name, output]) => [name, output.value])));
      const references = await awaitReferences(deps.armClient(), outputs, {
        timeoutSeconds: options.referenceTimeout,
        sleep: deps.sleep,
        log: (line) => report.line(line),
      });
      report.line(
        `Key Vault references: ${references.references.length} resolved; named value ${references.namedValue.id}: ${references.namedValue.status}` +
          (references.waitedSeconds > 0 ? ` (after ${references.waitedSeconds} s)` : ''),
      );
      report.result({
        ok: true,
        stack: stackName,
        changes: summary.changes,
        outputs: maskedOutputs(summary.outputs),
        references,
      });
    });
}
