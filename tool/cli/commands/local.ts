import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CliDeps, LocalStackStatus } from '../deps';
import { parseConfigAssignment } from '../../pulumi/stack-operations';
import { ensureLocalKeys } from '../local-keys';
import { parsePort, reporterFor } from './common';

export function registerLocalCommand(program: Command, deps: CliDeps): void {
  const local = program.command('local').description('run the topology the Pulumi program declares on this machine (gateway, both apps, Key Vault, databases)');

  local
    .command('up')
    .description('run the program under the mocks, start the local stack it declares, and serve until Ctrl-C (SIGINT) or SIGTERM')
    .option('-s, --stack <name>', 'the stack whose configuration (Pulumi.<name>.yaml) the program runs with', 'dev')
    .option('-c, --config <key=value>', "a config value over the stack's, for this run only (repeatable)", (value: string, all: string[]) => [...all, value], [])
    .option('-p, --port <port>', 'gateway port on 127.0.0.1', parsePort, 8080)
    .option('--data-dir <dir>', 'where data, keys and stack.json live', '.local')
    .option('--fresh', 'start as Azure is after the first deploy: earlier state discarded, placeholder secrets, no caller keys until rotate-keys runs')
    .action(async (options: { stack: string; config: string[]; port: number; dataDir: string; fresh?: boolean }, command: Command) => {
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
      const running = await api.runLocalStack(
        { dataDir, port: options.port, stack: options.stack, config, ...(options.fresh ? { fresh: true } : { bootstrapKeys }) },
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
    .description('show what runs in the local stack (processes, addresses, key names), how Azure maps onto this machine, and what is declared but not emulated')
    .option('--data-dir <dir>', 'the local stack data directory', '.local')
    .action(async (options: { dataDir: string }, command: Command) => {
      const report = reporterFor(command, deps);
      const api = await deps.localStack();
      const status = await api.readLocalStackStatus(resolve(deps.repoRoot, options.dataDir));
      for (const line of statusLines(status)) report.line(line);
      report.result({ ok: true, status });
    });
}

/** `local status` for people: what runs where, how Azure maps onto this machine, what is declared but not emulated. */
function statusLines(status: LocalStackStatus): string[] {
  if (!status.running) return ['no local stack is running'];
  const lines = [`local stack running, supervisor pid ${status.supervisorPid}; gateway ${status.info?.gatewayUrl ?? '?'}`, 'processes:'];
  for (const p of status.processes) lines.push(`  ${p.name.padEnd(16)} ${p.state.padEnd(8)} ${(p.address ?? '').padEnd(22)} pid ${p.pid ?? '-'}, restarts ${p.restarts}`);
  const state = status.state;
  if (!state) return lines;
  lines.push("Azure's world on this machine:");
  for (const [subnet, range] of Object.entries(state.mapping.subnets)) lines.push(`  subnet ${subnet.padEnd(12)} -> ${range}`);
  for (const service of state.mapping.services) lines.push(`  ${service.type} -> ${service.local}; listens ${service.listens}; connects from ${service.connectsFrom}`);
  lines.push('declared, not emulated (nothing local depends on it):');
  for (const entry of state.notEmulated) lines.push(`  ${entry.what} (${entry.resources.join(', ')}): ${entry.why}`);
  for (const warning of state.warnings) lines.push(`warning: ${warning}`);
  return lines;
}
