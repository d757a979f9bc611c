import type { EngineEvent, OutputMap, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { CancelledError, ConcurrentUpdateError, PulumiCommandError, StackNotFoundError, UsageError } from '../errors';
import type { GracefulStop } from './graceful-stop';

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

/** What `pulumi up`/`preview`/`destroy` take on the command line, and how to stop them. */
export interface OperationOptions {
  /** Refresh the state from Azure first (`--refresh`). */
  refresh?: boolean;
  /** Show a detailed diff of each change (`--diff`). */
  diff?: boolean;
  /** Ctrl-C and SIGTERM: Pulumi stops gracefully, or at once on a second request. */
  stop?: GracefulStop;
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

/** A stack selected through the Pulumi CLI: the CLI answered and the stack exists. */
export interface OpenedStack {
  readonly name: string;
  readonly stack: Stack;
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

/** Finds the Pulumi CLI (its version checked by the SDK) and selects the stack, before anything else is done. */
export async function openStack(deps: PulumiDeps, selection: StackSelection): Promise<OpenedStack> {
  const auto = await automation();
  const envVars: Record<string, string> = {};
  if (selection.backendUrl) envVars.PULUMI_BACKEND_URL = selection.backendUrl;
  const pulumiCommand = await mapErrors(selection.stackName, 'start pulumi', () => deps.pulumiCommand());
  const args = { stackName: selection.stackName, workDir: deps.workDir };
  const options = { pulumiCommand, envVars };
  const stack = await mapErrors(selection.stackName, 'select the stack', () =>
    selection.create ? auto.LocalWorkspace.createOrSelectStack(args, options) : auto.LocalWorkspace.selectStack(args, options),
  );
  return { name: selection.stackName, stack };
}

/**
 * The stack's own configuration as its settings file (Pulumi.<stack>.yaml) holds it, each key
 * without the project's namespace; read from the file, so no secret is ever decrypted. A stack
 * with no settings file has no configuration yet.
 */
export async function stackSettingsConfig(opened: OpenedStack): Promise<(key: string) => string | undefined> {
  const workspace = opened.stack.workspace;
  const project = (await workspace.projectSettings()).name;
  const settings = await workspace.stackSettings(opened.name).catch((error: unknown) => {
    if (error instanceof Error && error.message.startsWith('failed to find stack settings file')) return { config: undefined };
    throw new UsageError(`stack ${opened.name}: cannot read its settings file (${error instanceof Error ? error.message : String(error)})`);
  });
  const config: Record<string, unknown> = settings.config ?? {};
  return (key) => {
    const value = config[`${project}:${key}`];
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  };
}

/** Maps the SDK's errors to ours: one line, the CLI's last error line, no stack trace. */
async function mapErrors<T>(stackName: string, what: string, run: () => Promise<T>, stop?: GracefulStop): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (stop?.requested) {
      throw new CancelledError(`${what} of stack "${stackName}" cancelled: Pulumi stopped and saved what it had done; run it again to finish`);
    }
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

/** A stop that arrived after Pulumi had finished: the operation is done, but the command stops here. */
function assertNotStopped(what: string, stackName: string, stop: GracefulStop | undefined): void {
  if (stop?.requested) throw new CancelledError(`stopped after the ${what} of stack "${stackName}" had finished; nothing after it was done`);
}

function cliOptions(progress: Progress, options: OperationOptions) {
  return {
    onOutput: progress.output,
    onEvent: progress.event,
    color: 'never' as const,
    refresh: options.refresh,
    diff: options.diff,
    signal: options.stop?.signal,
  };
}

export function parseConfigAssignment(assignment: string): [string, string] {
  const at = assignment.indexOf('=');
  if (at <= 0) throw new UsageError(`--config expects key=value, got "${assignment}"`);
  return [assignment.slice(0, at), assignment.slice(at + 1)];
}

export async function setStackConfig(opened: OpenedStack, config: [string, string][]): Promise<void> {
  for (const [key, value] of config) {
    await mapErrors(opened.name, `set config ${key}`, () => opened.stack.setConfig(key, { value }));
  }
}

/** `pulumi preview`: what an update would change, by operation. */
export async function previewUpdate(opened: OpenedStack, progress: Progress, options: OperationOptions = {}): Promise<Record<string, number>> {
  const result = await mapErrors(opened.name, 'preview', () => opened.stack.preview(cliOptions(progress, options)), options.stop);
  assertNotStopped('preview', opened.name, options.stop);
  return result.changeSummary;
}

/** `pulumi preview --destroy`: what a destroy would delete. */
export async function previewDestroy(opened: OpenedStack, progress: Progress, options: OperationOptions = {}): Promise<Record<string, number>> {
  const result = await mapErrors(opened.name, 'destroy preview', () => opened.stack.previewDestroy(cliOptions(progress, options)), options.stop);
  assertNotStopped('destroy preview', opened.name, options.stop);
  return result.changeSummary;
}

export async function updateStack(opened: OpenedStack, progress: Progress, options: OperationOptions = {}): Promise<UpdateSummary> {
  return exclusiveUpdate(async () => {
    const result = await mapErrors(opened.name, 'update', () => opened.stack.up(cliOptions(progress, options)), options.stop);
    assertNotStopped('update', opened.name, options.stop);
    return { changes: result.summary?.resourceChanges ?? {}, outputs: toOutputs(result.outputs) };
  });
}

export async function destroyStack(opened: OpenedStack, progress: Progress, options: OperationOptions = {}): Promise<Record<string, number>> {
  return exclusiveUpdate(async () => {
    const result = await mapErrors(opened.name, 'destroy', () => opened.stack.destroy(cliOptions(progress, options)), options.stop);
    assertNotStopped('destroy', opened.name, options.stop);
    return result.summary?.resourceChanges ?? {};
  });
}

export async function readStackOutputs(deps: PulumiDeps, selection: StackSelection): Promise<StackOutputs> {
  const { stack } = await openStack(deps, selection);
  return toOutputs(await mapErrors(selection.stackName, 'read outputs', () => stack.outputs()));
}
