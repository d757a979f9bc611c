/** Where the CLI writes; process streams in production, buffers in tests. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Human lines go to stdout; with --json, stdout carries exactly one JSON
 * document and progress moves to stderr so pipes stay parseable.
 */
export class Reporter {
  constructor(
    private readonly io: CliIO,
    readonly json: boolean,
  ) {}

  /** A line for people; in JSON mode it goes to stderr. */
  line(text: string): void {
    if (this.json) this.io.stderr(`${text}\n`);
    else this.io.stdout(`${text}\n`);
  }

  /** Raw progress text (e.g. the Pulumi CLI's output) as it arrives. */
  progress(text: string): void {
    if (this.json) this.io.stderr(text);
    else this.io.stdout(text);
  }

  /** The machine-readable result; printed only in JSON mode. */
  result(value: unknown): void {
    if (this.json) this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  }
}

/** Stack outputs for people: secrets stay masked. */
export function formatOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): string[] {
  return Object.entries(outputs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, output]) => `  ${name}: ${output.secret ? '[secret]' : typeof output.value === 'string' ? output.value : JSON.stringify(output.value)}`);
}

export function maskedOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.secret ? '[secret]' : output.value]));
}
