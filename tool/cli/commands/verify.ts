import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { AppName } from '../../../contracts/apps';
import { createAzureVerifyPort } from '../../azure/azure-verify-port';
import { readLocalTarget } from '../../azure/local-target';
import { readAzureStackOutputs } from '../../azure/stack-outputs';
import { AzureRequestError, LocalStackError, UsageError } from '../../errors';
import { readStackOutputs } from '../../pulumi/stack-operations';
import { ChecksFailedError } from '../../verify/checks-failed-error';
import type { VerifyPort } from '../../verify/port';
import { formatChecks } from '../../verify/report-table';
import { runVerify, type VerifyResult } from '../../verify/run-verify';
import type { CliDeps } from '../deps';
import { backendOption, reporterFor, requireStack, stackOption } from './common';

interface VerifyCliOptions {
  target: 'azure' | 'local';
  stack?: string;
  backend?: string;
  dataDir: string;
  writes: boolean;
  maxKeyAge: number;
}

/** The weekly rotation of .github/workflows/rotate-keys.yml and two days' margin for a late or retried run. */
export const DEFAULT_MAX_KEY_AGE_DAYS = 9;

const LOCAL_NO_CONFIGURATION = "the local stack's ARM endpoint serves keys, secrets and named values, not resource documents";

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isFinite(days) || days <= 0) throw new UsageError(`--max-key-age expects a number of days > 0, got "${value}"`);
  return days;
}

/** The apps' own URLs the local stack wrote in stack.json (its sites have no host names in ARM). */
function localAppUrls(dataDir: string): Record<AppName, string> {
  const info = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as Record<string, unknown>;
  const { patientApiUrl, auditApiUrl } = info;
  if (typeof patientApiUrl !== 'string' || typeof auditApiUrl !== 'string') throw new LocalStackError(`${join(dataDir, 'stack.json')} is incomplete; restart the local stack`);
  return { 'patient-api': patientApiUrl, 'audit-api': auditApiUrl };
}

async function verifyPort(deps: CliDeps, options: VerifyCliOptions): Promise<{ port: VerifyPort; stack: string; rotate: string; deploy: string }> {
  if (options.target === 'local') {
    const dataDir = resolve(deps.repoRoot, options.dataDir);
    const target = await readLocalTarget(dataDir);
    const where = `--target local --data-dir ${relative(deps.repoRoot, dataDir) || '.'}`;
    const port = createAzureVerifyPort({
      description: target.description,
      outputs: target.outputs,
      client: deps.armClient(target.connection),
      noConfiguration: LOCAL_NO_CONFIGURATION,
      appUrls: localAppUrls(dataDir),
    });
    return { port, stack: 'local', rotate: `patientctl rotate-keys ${where}`, deploy: 'patientctl local down, then patientctl local up' };
  }
  const stackName = requireStack(options.stack, 'verify --target azure');
  const outputs = await readStackOutputs(deps.pulumi, { stackName, backendUrl: options.backend });
  const values = Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
  const port = createAzureVerifyPort({ description: `azure stack ${stackName}`, outputs: readAzureStackOutputs(stackName, values), client: deps.armClient() });
  return { port, stack: stackName, rotate: `patientctl rotate-keys --stack ${stackName}`, deploy: `patientctl deploy --stack ${stackName}` };
}

export function registerVerifyCommand(program: Command, deps: CliDeps): void {
  program
    .command('verify')
    .description('check that a deployment is locked down and working: its configuration through ARM, its keys, and its behaviour through the gateway')
    .addOption(new Option('--target <target>', 'where the stack runs').choices(['azure', 'local']).default('azure'))
    .addOption(stackOption())
    .addOption(backendOption())
    .option('--data-dir <dir>', 'the local stack data directory (--target local)', '.local')
    .option('--no-writes', 'write no synthetic patient through the gateway (production)')
    .option('--max-key-age <days>', 'warn when an active host key is older', parseDays, DEFAULT_MAX_KEY_AGE_DAYS)
    .action(async (options: VerifyCliOptions, command: Command) => {
      const report = reporterFor(command, deps);
      const { port, stack, rotate, deploy } = await verifyPort(deps, options);
      report.line(`verifying ${port.description}`);
      let result: VerifyResult;
      try {
        result = await runVerify(port, {
          stack,
          rotateCommand: rotate,
          deployCommand: deploy,
          writes: options.writes,
          maxKeyAgeDays: options.maxKeyAge,
          now: () => Date.now(),
        });
      } catch (error) {
        if (options.target === 'local' && error instanceof AzureRequestError && error.status === undefined) {
          throw new LocalStackError(`the local stack's ARM endpoint did not answer (${error.message}); is it running?`);
        }
        throw error;
      }
      for (const line of formatChecks(result.checks, result.skipped)) report.line(line);
      if (!result.ok) throw new ChecksFailedError(result);
      report.result({ ...result });
    });
}
