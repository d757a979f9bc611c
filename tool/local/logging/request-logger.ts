import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';

export interface LoggerOptions {
  /** The process name, e.g. `gateway`; also the log file's name. */
  process: string;
  /** `<dataDir>/logs/<process>.log`. */
  file: string;
  /** Also write to stdout (the supervisor's console). */
  stdout: boolean;
}

/**
 * One JSON line per request, to the process's log file and optionally stdout. Callers pass
 * only the fields below; keys, tokens, bodies and query strings are never handed to the logger.
 */
export function createRequestLogger(options: LoggerOptions): Logger {
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  const streams: pino.StreamEntry[] = [{ stream: pino.destination({ dest: options.file, sync: true, mode: 0o600 }) }];
  if (options.stdout) streams.push({ stream: pino.destination({ dest: 1, sync: true }) });
  return pino(
    {
      base: { process: options.process, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['headers', 'query', 'body', 'key', 'token'], remove: true },
    },
    pino.multistream(streams),
  );
}

/** The fields of a request log line. */
export interface RequestLogLine {
  traceId: string;
  method: string;
  /** The route template (never the concrete path with its ids, never the query string). */
  route: string;
  status: number;
  durationMs: number;
  clientIp?: string;
  operationId?: string;
  subscriptionId?: string;
}
