import { Option, type Command } from 'commander';
import { readAzureStackOutputs } from '../../azure/stack-outputs';
import { readStackOutputs } from '../../pulumi/stack-operations';
import type { CalleeApp, RotationPort } from '../../rotation/port';
import { rotateKeys, type RotateKeysOptions } from '../../rotation/rotate-keys';
import type { CliDeps } from '../deps';
import { backendOption, parseNonNegative, reporterFor, requireStack, stackOption } from './common';

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
const TARGET_DEFAULTS = {
  azure: { graceSeconds: 30, verifyAttempts: 6, verifyIntervalSeconds: 10 },
  local: { graceSeconds: 1, verifyAttempts: 3, verifyIntervalSeconds: 0.5 },
} as const;

const APPS: Record<RotateKeysCliOptions['app'], CalleeApp[]> = {
  patient: ['patient-api'],
  audit: ['audit-api'],
  all: ['patient-api', 'audit-api'],
};

export function registerRotateKeysCommand(program: Command, deps: CliDeps): void {
  program
    .command('rotate-keys')
    .description('rotate the host keys callers use (gateway → Patient API, Patient API → Audit API), verified end to end')
    .addOption(new Option('--target <target>', 'where the stack runs').choices(['azure', 'local']).default('azure'))
    .addOption(stackOption())
    .addOption(backendOption())
    .option('--data-dir <dir>', 'the local stack data directory (--target local)', '.local')
    .addOption(new Option('--app <app>', 'which callee app to rotate').choices(['patient', 'audit', 'all']).default('all'))
    .option('--dry-run', 'print the plan and change nothing')
    .option('--grace <seconds>', 'wait between a verified switch and revoking the old key (default 30 on azure, 1 locally)', parseNonNegative('--grace'))
    .option('--probes <count>', 'requests per verification probe', (value: string) => Math.max(1, Number.parseInt(value, 10) || 1), 5)
    .action(async (options: RotateKeysCliOptions, command: Command) => {
      const report = reporterFor(command, deps);
      let port: RotationPort;
      if (options.target === 'azure') {
        const stackName = requireStack(options.stack, 'rotate-keys --target azure');
        const outputs = await readStackOutputs(deps.pulumi, { stackName, backendUrl: options.backend });
        const values = Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
        port = deps.createAzurePort(stackName, readAzureStackOutputs(stackName, values));
      } else {
        port = await deps.createLocalPort(options.dataDir);
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
      const result = await rotateKeys({ port, log: (line) => report.line(`  ${line}`), sleep: deps.sleep }, rotateOptions);
      for (const app of result.apps) {
        if (app.outcome === 'planned') {
          report.line(`plan for ${app.app} (slot ${app.fromSlot ?? 'none'} → ${app.toSlot}, generation ${app.generation}):`);
          for (const step of app.steps) report.line(`  - ${step}`);
        } else {
          report.line(`${app.app}: ${app.outcome}, slot ${app.fromSlot ?? 'none'} → ${app.toSlot} (generation ${app.generation})`);
        }
      }
      report.result({ ok: true, ...result });
    });
}
