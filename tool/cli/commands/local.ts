import type { Command } from 'commander';
import { resolve } from 'node:path';
import { PRODUCT_IDS } from '../../../contracts/gateway';
import { LocalStackError, UsageError } from '../../errors';
import type { CliDeps } from '../deps';
import { parseConfigAssignment } from '../../pulumi/stack-operations';
import { ensureLocalKeys } from '../local-keys';
import { parsePort, reporterFor } from './common';
import { registerLocalEnvCommand } from './local-env';
import { logFormatFor, logFormatOption, type LogFormatChoice } from './local-log-format';
import { explainStartFailures } from './local-start-errors';
import { statusDocument, statusLines, subscriptionKeys } from './local-status';

const DEFAULT_DATA_DIR = '.local';

export function registerLocalCommand(program: Command, deps: CliDeps): void {
  const local = program.command('local').description('run the topology the Pulumi program declares on this machine (gateway, both apps, Key Vault, databases)');

  local
    .command('up')
    .description('run the program under the mocks, start the local stack it declares, and serve until Ctrl-C (SIGINT) or SIGTERM')
    .option('-s, --stack <name>', 'the stack whose configuration (Pulumi.<name>.yaml) the program runs with', 'dev')
    .option('-c, --config <key=value>', "a config value over the stack's, for this run only (repeatable)", (value: string, all: string[]) => [...all, value], [])
    .option('-p, --port <port>', 'gateway port on 127.0.0.1', parsePort, 8080)
    .option('--data-dir <dir>', 'where data, keys and stack.json live', DEFAULT_DATA_DIR)
    .option('--fresh', 'start as Azure is after the first deploy: earlier state discarded, placeholder secrets, no caller keys until rotate-keys runs')
    .addOption(logFormatOption())
    .action(async (options: { stack: string; config: string[]; port: number; dataDir: string; fresh?: boolean; logFormat: LogFormatChoice }, command: Command) => {
      const report = reporterFor(command, deps);
      const api = await deps.localStack();
      const dataDir = resolve(deps.repoRoot, options.dataDir);
      // Without --fresh a stack whose secrets hold no host key (a first start) gets them from rotate-keys' bootstrap.
      const bootstrapKeys = async () => {
        const result = await ensureLocalKeys(deps, dataDir, (line) => report.line(`  ${line}`));
        if (result.apps.length > 0) {
          report.line('first start: host keys issued by the bootstrap rotation, as `patientctl rotate-keys` does after the first deploy to Azure');
        }
      };
      const config = Object.fromEntries(options.config.map(parseConfigAssignment));
      // The banner names the commands that show the keys, for this data directory.
      const dataDirArgs = options.dataDir === DEFAULT_DATA_DIR ? '' : ` --data-dir ${options.dataDir}`;
      const localCommand = (sub: string) => `npx patientctl local ${sub}${dataDirArgs}`;
      const running = await explainStartFailures(
        api.runLocalStack(
          {
            dataDir,
            port: options.port,
            stack: options.stack,
            config,
            localCommand,
            logFormat: logFormatFor(options.logFormat, deps.stdoutIsTTY === true),
            ...(options.fresh ? { fresh: true } : { bootstrapKeys }),
          },
          { log: (line) => report.line(line) },
        ),
        localCommand,
      );
      // The stack logs where it listens and where its keys are; JSON mode adds the addresses on stdout.
      report.result({ ok: true, dataDir, gatewayUrl: running.info.gatewayUrl, armUrl: running.info.armUrl, controlUrl: running.info.controlUrl });
      const reason = await Promise.race([deps.waitForShutdownSignal(), running.stopped.then(() => 'stopped')]);
      if (reason !== 'stopped') {
        report.line(`${reason}: stopping...`);
        await running.stop();
      }
      report.line('local stack stopped');
    });

  local
    .command('down')
    .description('stop a local stack started from another terminal')
    .option('--data-dir <dir>', 'the local stack data directory', DEFAULT_DATA_DIR)
    .action(async (options: { dataDir: string }, command: Command) => {
      const report = reporterFor(command, deps);
      const api = await deps.localStack();
      const stopped = await api.stopLocalStack(resolve(deps.repoRoot, options.dataDir));
      report.line(stopped ? 'local stack stopped' : 'no local stack is running');
      report.result({ ok: true, stopped });
    });

  local
    .command('status')
    .description('show the services of the local stack (URLs, pids, state, health), how Azure maps onto this machine, and what is declared but not emulated; no key values')
    .option('--data-dir <dir>', 'the local stack data directory', DEFAULT_DATA_DIR)
    .option('--show-keys', 'also show the subscription keys (in the table, or in the JSON document with --json)')
    .action(async (options: { dataDir: string; showKeys?: boolean }, command: Command) => {
      const report = reporterFor(command, deps);
      const api = await deps.localStack();
      const status = await api.readLocalStackStatus(resolve(deps.repoRoot, options.dataDir));
      if (report.json) report.result({ ok: true, status: statusDocument(status, options.showKeys === true) });
      else for (const line of statusLines(status, options.showKeys === true)) report.line(line);
    });

  local
    .command('keys')
    .description("print the running local stack's subscription keys (one per product), or one key alone with --product")
    .option('--data-dir <dir>', 'the local stack data directory', DEFAULT_DATA_DIR)
    .option('--product <id>', `only this product's key, bare, for a shell variable (${Object.values(PRODUCT_IDS).join(' or ')})`)
    .action(async (options: { dataDir: string; product?: string }, command: Command) => {
      const report = reporterFor(command, deps);
      const api = await deps.localStack();
      const status = await api.readLocalStackStatus(resolve(deps.repoRoot, options.dataDir));
      const keys = status.running ? subscriptionKeys(status) : undefined;
      if (!keys) throw new LocalStackError(`no local stack is running for ${options.dataDir}; start it with \`npm start\``);
      if (options.product !== undefined) {
        const key = (keys as Record<string, string>)[options.product];
        if (key === undefined) throw new UsageError(`--product expects ${Object.keys(keys).join(' or ')}, got "${options.product}"`);
        if (report.json) report.result({ ok: true, product: options.product, key });
        else report.line(key);
        return;
      }
      if (report.json) report.result({ ok: true, keys });
      else for (const [product, key] of Object.entries(keys)) report.line(`${product.padEnd(12)} ${key}`);
    });

  registerLocalEnvCommand(local, deps, DEFAULT_DATA_DIR);
}
