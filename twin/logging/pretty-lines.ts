import { isColorSupported, prettyFactory } from 'pino-pretty';
import { SECRET_FIELDS } from './secret-fields';

/** What the start of a pretty line already shows, and what no line shows. */
const NOT_A_FIELD = new Set(['time', 'level', 'pid', 'hostname', 'name', 'process', 'msg', 'message', ...SECRET_FIELDS]);

function fieldValue(value: unknown): string {
  return typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/**
 * One process's JSON log lines as a person at a terminal reads them, through pino-pretty:
 * `[12:04:31.207] INFO (apim): request method=POST route=/patient status=201 ...`, coloured where
 * the terminal takes colour (pino-pretty's own test: a TTY, no NO_COLOR). `source` names the
 * process the lines come from (the apps' own lines carry no name). A line that is not a JSON
 * object passes as it is; a secret field never prints, should a line carry one.
 */
export function prettyLogLines(source: string, colorize: boolean = isColorSupported): (line: string) => string {
  const pretty = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    // Every field goes into the message, so nothing prints as a JSON object.
    hideObject: true,
    messageFormat: (log, _messageKey, _levelLabel, { colors }) => {
      const fields = Object.entries(log)
        .filter(([name]) => !NOT_A_FIELD.has(name))
        .map(([name, value]) => `${name}=${fieldValue(value)}`);
      const message = log.msg ?? log.message ?? '';
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      return fields.length > 0 ? `${text} ${colors.gray(fields.join(' '))}` : text;
    },
  });
  return (line) => {
    let log: unknown;
    try {
      log = JSON.parse(line);
    } catch {
      return `${line}\n`;
    }
    return typeof log === 'object' && log !== null && !Array.isArray(log) ? pretty({ ...log, name: source }) : `${line}\n`;
  };
}
