import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * One JSON line per request. Only the route template, never the path, query, headers or
 * body: ids, keys, tokens and personal data stay out of the logs.
 */
export interface RequestLogEntry {
  traceId: string;
  operation: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  problemType?: string;
}

export interface RequestLog {
  request(entry: RequestLogEntry): void;
  /** An unexpected failure: only the error's class name is kept, its message may carry data. */
  failure(traceId: string, operation: string, error: unknown): void;
  /** The start-up check of the app's database: ready, or what is missing (names only). */
  databaseCheck(database: string, problem: string | undefined): void;
}

/** Lines gather up to this size before a write to stdout; under load one write carries many lines. */
const BUFFER_BYTES = 4096;
/** Longest a line waits in the buffer when traffic is light. */
const FLUSH_INTERVAL_MS = 250;

/**
 * Stdout, written asynchronously and buffered: a write per line costs more CPU than the rest of
 * the logging. pino writes what is left when the process exits.
 */
function bufferedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
  setInterval(() => destination.flush(), FLUSH_INTERVAL_MS).unref();
  return destination;
}

export function createRequestLog(destination?: DestinationStream): RequestLog {
  const logger: Logger = pino({ base: undefined, messageKey: 'message', timestamp: pino.stdTimeFunctions.isoTime }, destination ?? bufferedStdout());
  return {
    request(entry) {
      logger.info(entry, 'request');
    },
    failure(traceId, operation, error) {
      const kind = error instanceof Error ? error.constructor.name : typeof error;
      logger.error({ traceId, operation, errorKind: kind }, 'unexpected failure');
    },
    databaseCheck(database, problem) {
      if (problem === undefined) logger.info({ database }, 'database ready');
      else logger.error({ database, problem }, 'database not ready; requests answer 503 until it is');
    },
  };
}
