import type { EngineEvent, OutputMap, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { ConcurrentUpdateError, PulumiCommandError, StackNotFoundError, UsageError } from '../errors';

export interface PulumiDeps {
  /** The Pulumi CLI to drive; `PulumiCommand.get()` in production, a fake executable in tests. */
  pulumiCommand(): Promise<PulumiCommand>;
  /** The directory holding Pulumi.yaml (the repository root). */
  workDir: string;
}

export interface StackSelection {
  stackName: string;
  /** Overrides PULUMI_BACKEND_URL / the user's `pulumi login` for this run. */
  backendUrl?: string;
  /** Create the stack when it does not exist yet. */
  create?: boolean;
}

export interface Progress {
  /** Raw CLI output, as it arrives. */
  output?: (text: string) => void;
  /** Structured engine events, as they arrive. */
  event?: (event: EngineEvent) => void;
}

export interface StackOutput {
  value: unknown;
  secret: boolean;
}

export type StackOutputs = Record<string, StackOutput>;

export interface UpdateSummary {
  changes: Record<string, number>;
  outputs: StackOutputs;
}

let updateRunning = false;

/**
 * One update per process: the Automation API drives one CLI per stack, and two
 * updates from one process would only race each other for the stack's lock.
 */
async function exclusiveUpdate<T>(run: () => Promise<T>): Promise<T> {
  if (updateRunning) throw new ConcurrentUpdateError('another update is already running in this process');
  updateRunning = true;
  try {
    return await run();
  } finally {
    updateRunning = false;
  }
}

type Automation = typeof import('@pulumi/pulumi/automation/index.js');

// The Automation API is loaded on first use: `local` commands never pay for it.
async function automation(): Promise<Automation> {
  return import('@pulumi/pulumi/automation/index.js');
}

async function openStack(deps: PulumiDeps, selection: StackSelection): Promise<Stack> {
  const auto = await automation();
  const envVars: Record<string, string> = {};
  if (selection.backendUrl) envVars.PULUMI_BACKEND_URL = selection.backendUrl;
  const pulumiCommand = await mapErrors(selection.stackName, 'start pulumi', () => deps.pulumiCommand());
  const args = { stackName: selection.stackName, workDir: deps.workDir };
  const options = { pulumiCommand, envVars };
  return mapErrors(selection.stackName, 'select the stack', () =>
    selection.create ? auto.LocalWorkspace.createOrSelectStack(args, options) : auto.LocalWorkspace.selectStack(args, options),
  );
}

/** Maps the SDK's errors to ours: one line, the CLI's last error line, no stack trace. */
async function mapErrors<T>(stackName: string, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const auto = await automation();
    if (error instanceof auto.StackNotFoundError) {
      throw new StackNotFoundError(`stack "${stackName}" does not exist in this backend (create it with --create, or check --backend / pulumi login)`);
    }
    if (error instanceof auto.ConcurrentUpdateError) {
      throw new ConcurrentUpdateError(`stack "${stackName}" is being updated by someone else; wait for it, or run "pulumi cancel" if that update died`);
    }
    if (error instanceof auto.CommandError) {
      const stderr = (error as unknown as { commandResult?: { stderr?: string } }).commandResult?.stderr ?? error.message;
      if (/ENOENT/.test(stderr)) throw new PulumiCommandError('the pulumi CLI was not found on PATH; install Pulumi 3.248.0');
      throw new PulumiCommandError(`could not ${what} on stack "${stackName}": ${lastErrorLine(stderr)}`);
    }
    if (error instanceof Error && /Minimum version requirement failed|Major version mismatch/.test(error.message)) {
      throw new PulumiCommandError(error.message.split('\n')[0]);
    }
    throw error;
  }
}

function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  const error = [...lines].reverse().find((line) => /^error:/i.test(line)) ?? lines.at(-1) ?? 'unknown error';
  return error.replace(/^error:\s*/i, '').slice(0, 300);
}

function toOutputs(outputs: OutputMap): StackOutputs {
  return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, { value: output.value as unknown, secret: output.secret }]));
}

export function parseConfigAssignment(assignment: string): [string, string] {
  const at = assignment.indexOf('=');
  if (at <= 0) throw new UsageError(`--config expects key=value, got "${assignment}"`);
  return [assignment.slice(0, at), assignment.slice(at + 1)];
}

export async function upStack(
  deps: PulumiDeps,
  selection: StackSelection,
  config: [string, string][],
  progress: Progress,
): Promise<UpdateSummary> {
  return exclusiveUpdate(async () => {
    const stack = await openStack(deps, selection);
    for (const [key, value] of config) {
      await mapErrors(selection.stackName, `set config ${key}`, () => stack.setConfig(key, { value }));
    }
    const result = await mapErrors(selection.stackName, 'update', () =>
      stack.up({ onOutput: progress.output, onEvent: progress.event, color: 'never' }),
    );
    return { changes: result.summary?.resourceChanges ?? {}, outputs: toOutputs(result.outputs) };
  });
}

export async function previewStack(deps: PulumiDeps, selection: StackSelection, progress: Progress): Promise<Record<string, number>> {
  const stack = await openStack(deps, selection);
  const result = await mapErrors(selection.stackName, 'preview', () =>
    stack.preview({ onOutput: progress.output, onEvent: progress.event, color: 'never' }),
  );
  return result.changeSummary;
}

export async function destroyStack(deps: PulumiDeps, selection: StackSelection, progress: Progress): Promise<Record<string, number>> {
  return exclusiveUpdate(async () => {
    const stack = await openStack(deps, selection);
    const result = await mapErrors(selection.stackName, 'destroy', () =>
      stack.destroy({ onOutput: progress.output, onEvent: progress.event, color: 'never' }),
    );
    return result.summary?.resourceChanges ?? {};
  });
}

export async function readStackOutputs(deps: PulumiDeps, selection: StackSelection): Promise<StackOutputs> {
  const stack = await openStack(deps, selection);
  return toOutputs(await mapErrors(selection.stackName, 'read outputs', () => stack.outputs()));
}
