/** What `npm run bench`, `npm run bench:profile` and `npm run load` share on their command lines. */

/** Prints the usage and exits 0 when `--help` was given. */
export function exitWithUsageOnHelp(help: boolean | undefined, usage: string): void {
  if (!help) return;
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

/** An option's value as a positive integer, or a one-line error naming the option. */
export function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, not "${text}"`);
  return value;
}

/**
 * Runs a command's main function: exits with the code it returns (0 if none), or prints
 * `<name>: <message>` and exits with `failureCode` when it throws.
 */
export function runCommand(name: string, main: () => Promise<number | void>, failureCode = 1): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(failureCode);
    },
  );
}
