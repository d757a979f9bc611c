import { Command, CommanderError } from 'commander';
import { registerDeployCommand } from './commands/deploy';
import { registerDestroyCommand } from './commands/destroy';
import { registerLocalCommand } from './commands/local';
import { registerOutputsCommand } from './commands/outputs';
import { registerPreviewCommand } from './commands/preview';
import { registerRotateKeysCommand } from './commands/rotate-keys';
import { registerVerifyCommand } from './commands/verify';
import type { CliDeps } from './deps';
import { EXIT_OK, EXIT_UNEXPECTED, PatientctlError, UsageError } from '../errors';

/** The commander program; `main.ts` gives it real dependencies, tests give it fakes. */
export function buildProgram(deps: CliDeps): Command {
  const program = new Command('patientctl')
    .description('Deploy the patient-records stack, rotate its host keys, and run it locally.')
    .version(deps.version, '-V, --version', 'print the version of patientctl')
    .option('--json', 'print one machine-readable JSON document on stdout (progress goes to stderr)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.stdout(text),
      writeErr: (text) => deps.io.stderr(text),
    })
    .showSuggestionAfterError(true);
  registerDeployCommand(program, deps);
  registerPreviewCommand(program, deps);
  registerOutputsCommand(program, deps);
  registerDestroyCommand(program, deps);
  registerRotateKeysCommand(program, deps);
  registerLocalCommand(program, deps);
  registerVerifyCommand(program, deps);
  return program;
}

/** Runs patientctl with `argv` (without node and script) and resolves with the exit code. */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  const program = buildProgram(deps);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help or its one-line complaint.
      return error.exitCode === 0 ? EXIT_OK : new UsageError('').exitCode;
    }
    const json = Boolean(program.opts<{ json?: boolean }>().json);
    const known = error instanceof PatientctlError;
    const message = oneLine(error instanceof Error ? error.message : String(error));
    const exitCode = known ? error.exitCode : EXIT_UNEXPECTED;
    deps.io.stderr(`patientctl: ${known ? '' : 'unexpected error: '}${message}\n`);
    if (json) {
      const type = known ? error.name : 'Error';
      // A command that failed with a result (verify's checks) keeps it in the one JSON document.
      const result = known && 'result' in error && typeof error.result === 'object' ? error.result : {};
      deps.io.stdout(`${JSON.stringify({ ...result, ok: false, error: { type, message, exitCode } }, null, 2)}\n`);
    }
    return exitCode;
  }
}

function oneLine(text: string): string {
  return text.split(/\r?\n/)[0].trim() || 'failed';
}
