import { Option } from 'commander';

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormatChoice = (typeof LOG_FORMATS)[number];

export const logFormatOption = () =>
  new Option('--log-format <format>', "how the processes' log lines print: pretty (readable, coloured on a terminal), json (one object a line), auto (pretty on a terminal, else json)")
    .choices(LOG_FORMATS)
    .default('auto');

/**
 * `auto` pretty-prints for a person at a terminal and keeps JSON for pipes, files and CI, which
 * parse the lines; the log files are JSON either way.
 */
export function logFormatFor(choice: LogFormatChoice, stdoutIsTTY: boolean): 'pretty' | 'json' {
  if (choice !== 'auto') return choice;
  return stdoutIsTTY ? 'pretty' : 'json';
}
