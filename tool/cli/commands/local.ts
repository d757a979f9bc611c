import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CliDeps } from '../deps';
import { ensureLocalKeys } from '../local-keys';
import { parsePort, reporterFor } from './common';

export function registerLocalCommand(program: Command, deps: CliDeps): void {
  const local = program.command('local').description('run the whole topology on this machine (gateway, both apps, secret store, database)');

  local
    .command('up')
    .description('start the local stack and serve until Ctrl-C (SIGINT) or SIGTERM')
    .option('-p, --port <port>', 'gateway port on 127.0.0.1', parsePort, 8080)
    .option('--data-dir <dir>', 'where data, keys and stack.json live', '.local')
    .option('--fresh', 'start as Azure is after the first deploy: earlier state discarded, placeholder secrets, no caller keys until rotate-keys runs')
    .action(async (options: { port: number; dataDir: string; fresh?: boolean }, command: Command) => {
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
      const running = await api.runLocalStack(
        { dataDir, port: options.port, ...(options.fresh ? { fresh: true } : { bootstrapKeys }) },
        { log: (line) => report.line(line) },
      );
      // The stack logs where it listens and a key to try; JSON mode adds the addresses on stdout.
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
    .option('--data-dir <dir>', 'the local stack data directory', '.local')
    .action(async (options: { dataDir: string }, command: Command) => {
      const report = reporterFor(command, deps);
      const api = await deps.localStack();
      const stopped = await api.stopLocalStack(resolve(deps.repoRoot, options.dataDir));
      report.line(stopped ? 'local stack stopped' : 'no local stack is running');
      report.result({ ok: true, stopped });
    });

  local
    .command('status')
    .description('show what runs in the local stack (processes, ports, key names)')
    .option('--data-dir <dir>', 'the local stack data directory', '.local')
    .action(async (options: { dataDir: string }, command: Command) => {
      const report = reporterFor(command, deps);
      const api = await deps.localStack();
      const status = await api.readLocalStackStatus(resolve(deps.repoRoot, options.dataDir));
      if (!report.json) report.line(JSON.stringify(status, null, 2));
      report.result({ ok: true, status });
    });
}
