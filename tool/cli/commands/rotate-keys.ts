import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { readAzureStackOutputs } from '../../azure/stack-outputs';
import { readLocalTarget } from '../../azure/local-target';
import { AzureRequestError, LocalStackError } from '../../errors';
import { readStackOutputs } from '../../pulumi/stack-operations';
import type { CalleeApp, RotationPort } from '../../rotation/port';
import { rotateKeys, type RotateKeysOptions, type RotationResult } from '../../rotation/rotate-keys';
import type { CliDeps } from '../deps';
import type { Reporter } from '../output';
import { backendOption, parseNonNegative, parsePositiveInteger, reporterFor, requireStack, stackOption } from './common';

interface RotateKeysCliOptions {
  target: 'azure' | 'local';
  stack?: string;
  backend?: string;
  dataDir: string;
  app: 'patient' | 'audit' | 'all';
  dryRun?: boolean;
  grace?: number;
  probes: number;
}

/** Defaults per target: Azure callers cache keys and refresh asynchronously; the local stack switches at once. */
export const TARGET_DEFAULTS = {
  azure: { graceSeconds: 30, verifyAttempts: 6, verifyIntervalSeconds: 10 },
  local: { graceSeconds: 1, verifyAttempts: 3, verifyIntervalSeconds: 0.5 },
} as const;

const APPS: Record<RotateKeysCliOptions['app'], CalleeApp[]> = {
  patient: ['patient-api'],
  audit: ['audit-api'],
  all: ['patient-api', 'audit-api'],
};

/** The local stack's rotation port (`dataDir` absolute): the Azure adapter on the stack's ARM twin. */
export async function localRotationPort(deps: Pick<CliDeps, 'armClient' | 'rotationPort'>, dataDir: string): Promise<RotationPort> {
  const target = await readLocalTarget(dataDir);
  return deps.rotationPort({ description: target.description, outputs: target.outputs, client: deps.armClient(target.connection) });
}

/**
 * Runs a rotation on the local stack. A call that never got an answer means the stack is not
 * running: that is a local stack error (exit 8), not an Azure one.
 */
export async function rotateLocalStack(run: () => Promise<RotationResult>): Promise<RotationResult> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AzureRequestError && error.status === undefined) {
      throw new LocalStackError(`the local stack's ARM endpoint did not answer (${error.message}); is it running?`);
    }
    throw error;
  }
}

export function reportRotation(report: Reporter, result: RotationResult): void {
  for (const app of result.apps) {
    if (app.outcome === 'planned') {
      report.line(`plan for ${app.app} (slot ${app.fromSlot ?? 'none'} → ${app.toSlot}, generation ${app.generation}):`);
      for (const step of app.steps) report.line(`  - ${step}`);
    } else {
      report.line(`${app.app}: ${app.outcome}, slot ${app.fromSlot ?? 'none'} → ${app.toSlot} (generation ${app.generation})`);
    }
  }
}

export function registerRotateKeysCommand(program: Command, deps: CliDeps): void {
  program
    .command('rotate-keys')
    .description('rotate the host keys callers use (gateway → Patient API, Patient API → Audit API), verified end to end; issues the first keys on a fresh stack')
    .addOption(new Option('--target <target>', 'where the stack runs').choices(['azure', 'local']).default('azure'))
    .addOption(stackOption())
    .addOption(backendOption())
    .option('--data-dir <dir>', 'the local stack data directory (--target local)', '.local')
    .addOption(new Option('--app <app>', 'which callee app to rotate').choices(['patient', 'audit', 'all']).default('all'))
    .option('--dry-run', 'print the plan and change nothing')
    .option('--grace <seconds>', 'wait between a verified switch and revoking the old key (default 30 on azure, 1 locally)', parseNonNegative('--grace'))
    .option('--probes <count>', 'requests per verification probe', parsePositiveInteger('--probes'), 5)
    .action(async (options: RotateKeysCliOptions, command: Command) => {
      const report = reporterFor(command, deps);
      let port: RotationPort;
      if (options.target === 'azure') {
        const stackName = requireStack(options.stack, 'rotate-keys --target azure');
        const outputs = await readStackOutputs(deps.pulumi, { stackName, backendUrl: options.backend });
        const values = Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
        port = deps.rotationPort({ description: `azure stack ${stackName}`, outputs: readAzureStackOutputs(stackName, values), client: deps.armClient() });
      } else {
        port = await localRotationPort(deps, resolve(deps.repoRoot, options.dataDir));
      }
      const defaults = TARGET_DEFAULTS[options.target];
      const rotateOptions: RotateKeysOptions = {
        apps: APPS[options.app],
        dryRun: Boolean(options.dryRun),
        graceSeconds: options.grace ?? defaults.graceSeconds,
        probeCount: options.probes,
        verifyAttempts: defaults.verifyAttempts,
        verifyIntervalSeconds: defaults.verifyIntervalSeconds,
      };
      report.line(`${rotateOptions.dryRun ? 'planning' : 'rotating'} host keys on ${port.description}`);
      const run = () => rotateKeys({ port, log: (line) => report.line(`  ${line}`), sleep: deps.sleep }, rotateOptions);
      const result = options.target === 'local' ? await rotateLocalStack(run) : await run();
      reportRotation(report, result);
      report.result({ ok: true, ...result });
    });
}
