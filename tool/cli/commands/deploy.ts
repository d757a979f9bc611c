import type { Command } from 'commander';
import { referenceChecks } from '../../azure/deployed-references';
import { shipPackages } from '../../deploy/ship-packages';
import { readAzureStackOutputs } from '../../azure/stack-outputs';
import { CancelledError, UsageError } from '../../errors';
import { resolvePackagesDir } from '../../../stacks/packaging/packages-dir';
import { openStack, parseConfigAssignment, previewUpdate, setStackConfig, stackSettingsConfig, updateStack } from '../../pulumi/stack-operations';
import type { CliDeps } from '../deps';
import { formatOutputs, maskedOutputs } from '../output';
import { backendOption, parseNonNegative, requireStack, stackOption, reporterFor } from './common';
import { awaitReferences } from './await-references';
import { addPulumiFlags, changeLine, operationProgress, withGracefulStop, type PulumiFlags } from './pulumi-operation';

interface DeployOptions extends PulumiFlags {
  stack?: string;
  backend?: string;
  create?: boolean;
  yes?: boolean;
  config: string[];
  referenceTimeout: number;
}

/** Role assignments can take about 10 minutes to apply (Azure RBAC troubleshooting). */
const DEFAULT_REFERENCE_TIMEOUT_SECONDS = 600;

export function registerDeployCommand(program: Command, deps: CliDeps): void {
  const command = program
    .command('deploy')
    .description(
      'preview the update (the program bundles both apps into run-from-package zips) and ask, as pulumi up does; update the stack, then wait until its Key Vault references resolve',
    )
    .addOption(stackOption())
    .addOption(backendOption())
    .option('--create', 'create the stack if it does not exist yet')
    .option('-y, --yes', 'update without asking (CI); required when stdin is not a terminal')
    .option('-c, --config <key=value>', 'set a stack config value before the update (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option(
      '--reference-timeout <seconds>',
      `how long to keep refreshing Key Vault references that do not resolve yet (default ${DEFAULT_REFERENCE_TIMEOUT_SECONDS})`,
      parseNonNegative('--reference-timeout'),
      DEFAULT_REFERENCE_TIMEOUT_SECONDS,
    );
  addPulumiFlags(command).action(async (options: DeployOptions, command: Command) => {
    const report = reporterFor(command, deps);
    const stackName = requireStack(options.stack, 'deploy');
    const config = options.config.map(parseConfigAssignment);
    if (!options.yes && !deps.stdinIsTTY) {
      throw new UsageError(`refusing to deploy stack "${stackName}" without --yes when stdin is not a terminal: deploy asks before it changes anything`);
    }
    const opened = await openStack(deps.pulumi, { stackName, backendUrl: options.backend, create: options.create });
    await setStackConfig(opened, config);

    const progress = operationProgress(report);
    const summary = await withGracefulStop(deps, report, options, async (operation) => {
      report.line(`previewing the update of stack ${stackName}...`);
      report.line(changeLine(await previewUpdate(opened, progress, operation)));
      if (!options.yes) {
        const answer = await deps.ask(`Do you want to perform this update of stack "${stackName}"? (yes/no) `);
        if (!/^y(es)?$/i.test(answer.trim())) throw new CancelledError('deploy cancelled; nothing was changed');
      }
      report.line(`updating stack ${stackName}...`);
      return updateStack(opened, progress, operation);
    });
    report.line('outputs:');
    for (const line of formatOutputs(summary.outputs)) report.line(line);

    const values = Object.fromEntries(Object.entries(summary.outputs).map(([name, output]) => [name, output.value]));
    const outputs = readAzureStackOutputs(stackName, values);
    const packagesDir = resolvePackagesDir((await stackSettingsConfig(opened))('packagesDir'), deps.repoRoot);
    const packages = await shipPackages(
      { packages: (app) => deps.packages(app, packagesDir), upload: (upload) => deps.uploadPackage(upload), arm: deps.armClient(), log: (line) => report.line(line) },
      stackName,
      values,
    );
    const references = await awaitReferences(referenceChecks(deps.armClient(), outputs), {
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
      packages: packages.map(({ app, blobUrl, bytes, uploaded, restarted }) => ({ app, blobUrl, bytes, uploaded, restarted })),
      references,
    });
  });
}
