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
}

export function createRequestLog(destination?: DestinationStream): RequestLog {
  const logger: Logger = pino({ base: undefined, messageKey: 'message', timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination(1));
  return {
    request(entry) {
      logger.info(entry, 'request');
    },
    failure(traceId, operation, error) {
      const kind = error instanceof Error ? error.constructor.name : typeof error;
      logger.error({ traceId, operation, errorKind: kind }, 'unexpected failure');
    },
  };
}
