import { LocalStackError } from '../../errors';

/**
 * The local stack's refusals to start as patientctl reports them: exit 8, one line, with the
 * command that fixes each. The tool may not import the twin, so its errors are known by name.
 * `localCommand` spells a `patientctl local` command for the stack's data directory.
 */
function localStartFailure(error: unknown, localCommand: (sub: string) => string): unknown {
  if (!(error instanceof Error)) return error;
  switch (error.name) {
    case 'LocalStackRunningError':
      return new LocalStackError(`${error.message}; stop it with \`${localCommand('down')}\` (or see it with \`${localCommand('status')}\`)`);
    case 'PortInUseError':
      return new LocalStackError(`${error.message}; pick another port with --port <n> (0 picks a free one)`);
    case 'LocalStackStartError':
    case 'DeclarationError':
      return new LocalStackError(error.message);
    default:
      return error;
  }
}

/** Waits for the stack to start; a refusal becomes the LocalStackError that says how to fix it. */
export async function explainStartFailures<T>(starting: Promise<T>, localCommand: (sub: string) => string): Promise<T> {
  try {
    return await starting;
  } catch (error) {
    throw localStartFailure(error, localCommand);
  }
}
