import { Option, type Command } from 'commander';
import { GracefulStop } from '../../pulumi/graceful-stop';
import type { OperationOptions, Progress } from '../../pulumi/stack-operations';
import type { CliDeps } from '../deps';
import type { Reporter } from '../output';
import { engineEventLine } from './engine-events';

/** The options `pulumi up`, `preview` and `destroy` share. */
export interface PulumiFlags {
  refresh?: boolean;
  diff?: boolean;
}

export function addPulumiFlags(command: Command): Command {
  return command
    .addOption(new Option('--refresh', 'refresh the state from Azure first, as pulumi --refresh does'))
    .addOption(new Option('--diff', 'show a detailed diff of every change, as pulumi --diff does'));
}

/** Raw CLI output for people; in JSON mode one line per engine event, on stderr. */
export function operationProgress(report: Reporter): Progress {
  return {
    output: report.json ? undefined : (text) => report.progress(text),
    event: report.json ? (event) => engineEventLine(event, (line) => report.line(line)) : undefined,
  };
}

/**
 * Runs Pulumi operations that Ctrl-C or SIGTERM stop as `pulumi up` stops: gracefully first, at
 * once on a second request. The process stays alive meanwhile, so the CLI is never orphaned,
 * and the operation's end (a CancelledError, exit 10) is what the command reports.
 */
export async function withGracefulStop<T>(deps: CliDeps, report: Reporter, flags: PulumiFlags, run: (options: OperationOptions) => Promise<T>): Promise<T> {
  const stop = new GracefulStop();
  const unsubscribe = deps.onShutdownSignal((signal) => {
    // A terminal's Ctrl-C has reached the Pulumi CLI too (same process group); SIGTERM has not.
    const relay = !(signal === 'SIGINT' && deps.stdinIsTTY);
    if (stop.request(relay) === 'graceful') {
      report.line(
        `${signal}: stopping gracefully; Pulumi finishes the resource operations under way (an API Management update can take 30-45 minutes) and saves its state. Press Ctrl-C again to stop at once, which can leave resources half-done.`,
      );
    } else {
      report.line(`${signal} again: stopping Pulumi at once`);
    }
  });
  try {
    return await run({ refresh: flags.refresh, diff: flags.diff, stop });
  } finally {
    unsubscribe();
  }
}

export function changeLine(changes: Record<string, number>): string {
  return `changes: ${Object.entries(changes).map(([op, count]) => `${op} ${count}`).join(', ') || 'none'}`;
}
