import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { SECRET_FIELDS } from './secret-fields';

export interface LoggerOptions {
  /** The process name, e.g. `gateway`; also the log file's name. */
  process: string;
  /** `<dataDir>/logs/<process>.log`. */
  file: string;
  /** Also write to stdout (the supervisor's console). */
  stdout: boolean;
}

type Destination = ReturnType<typeof pino.destination>;

/** Lines gather up to this size before a write; under load one write carries ~20 lines. */
const BUFFER_BYTES = 4096;
/** Longest a line waits in the buffer when traffic is light. */
const FLUSH_INTERVAL_MS = 250;

/** Destinations of this process's request loggers with their flush timers, ended (flushed and closed) on stop. */
const openDestinations = new Map<Destination, NodeJS.Timeout>();

function bufferedDestination(dest: number): Destination {
  const destination = pino.destination({ dest, sync: false, minLength: BUFFER_BYTES });
  openDestinations.set(
    destination,
    setInterval(() => destination.flush(), FLUSH_INTERVAL_MS).unref(),
  );
  return destination;
}

/**
 * One JSON line per request, to the process's log file and optionally stdout. Callers pass
 * only the fields below; keys, tokens, bodies and query strings are never handed to the logger.
 *
 * Lines are buffered and written asynchronously, off the request path (a synchronous write per
 * line cost 5-10 % of each process's CPU). `flushRequestLogs()` on stop, and pino's exit hook
 * on any other exit, write what is still buffered. A terminal gets its lines synchronously.
 */
export function createRequestLogger(options: LoggerOptions): Logger {
  mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
  // Opened here, not by the destination in the background, so even an exit right after start flushes.
  const destinations = [bufferedDestination(openSync(options.file, 'a', 0o600))];
  if (options.stdout) destinations.push(process.stdout.isTTY ? pino.destination({ dest: 1, sync: true }) : bufferedDestination(1));
  return pino(
    {
      base: { process: options.process, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...SECRET_FIELDS], remove: true },
    },
    // One destination is written to directly: multistream's per-line dispatch is not free.
    destinations.length === 1 ? destinations[0] : pino.multistream(destinations.map((stream) => ({ stream }))),
  );
}

/** Writes every buffered line and closes the logs; for a process that is about to exit. */
export async function flushRequestLogs(): Promise<void> {
  const ending = [...openDestinations].map(
    ([destination, timer]) =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        openDestinations.delete(destination);
        destination.once('close', () => resolve());
        destination.once('error', () => resolve());
        try {
          destination.end();
        } catch {
          resolve(); // already destroyed: nothing left to write
        }
      }),
  );
  await Promise.all(ending);
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
