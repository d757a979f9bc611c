import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Db,
} from 'mongodb';
import type { Clock } from './clock';
import { DatabaseUnavailableError, type MongoConnection } from './mongo-connection';
import { HttpProblem } from './problem';
import type { Telemetry } from './telemetry';
import { DEFAULT_RETRY_POLICY, isThrottleError, retryDelayMs, type RetryPolicy } from './throttle-retry';
import type { TraceContext } from './trace-context';

export interface DatabaseOperationsDeps {
  connection: MongoConnection;
  telemetry: Telemetry;
  clock: Clock;
  /** Shown as the dependency target, e.g. the database name; never the connection string. */
  target: string;
  policy?: RetryPolicy;
  random?: () => number;
}

export interface OperationOptions {
  /**
   * Only operations that leave the same state however often they run are retried on
   * throttling; the others fail at once with 503 and Retry-After.
   */
  idempotent: boolean;
}

/**
 * Runs every database call: one telemetry dependency per attempt, 16500 retried for
 * idempotent operations within the policy's bounds, and an unavailable or still-throttled
 * database turned into a 503 problem.
 */
export class DatabaseOperations {
  private readonly policy: RetryPolicy;
  private readonly random: () => number;

  constructor(private readonly deps: DatabaseOperationsDeps) {
    this.policy = deps.policy ?? DEFAULT_RETRY_POLICY;
    this.random = deps.random ?? Math.random;
  }

  async run<T>(trace: TraceContext, name: string, options: OperationOptions, operation: (db: Db) => Promise<T>): Promise<T> {
    const { clock, telemetry } = this.deps;
    const firstStart = clock.now().getTime();
    for (let attempt = 1; ; attempt += 1) {
      const startedAt = clock.now();
      const started = performance.now();
      try {
        const result = await operation(await this.deps.connection.db());
        telemetry.trackDependency(trace, { type: 'MongoDB', name, target: this.deps.target, startedAt, durationMs: performance.now() - started, success: true, resultCode: '0', attempt });
        return result;
      } catch (error) {
        telemetry.trackDependency(trace, { type: 'MongoDB', name, target: this.deps.target, startedAt, durationMs: performance.now() - started, success: false, resultCode: resultCodeOf(error), attempt });
        if (!isThrottleError(error)) throw translate(error);
        const delay = retryDelayMs(error, attempt, this.policy, this.random);
        const elapsed = clock.now().getTime() - firstStart;
        const mayRetry = options.idempotent && attempt < this.policy.maxAttempts && elapsed + delay <= this.policy.maxTotalMs;
        if (!mayRetry) throw new HttpProblem('databaseThrottled', { retryAfterSeconds: Math.max(1, delay / 1000) });
        await clock.sleep(delay);
      }
    }
  }
}

function resultCodeOf(error: unknown): string {
  if (error instanceof MongoError && error.code !== undefined) return String(error.code);
  if (error instanceof DatabaseUnavailableError) return 'unavailable';
  return error instanceof Error ? error.name : 'error';
}

/** The driver's errors that mean "the database cannot be reached right now", not "this request is wrong". */
const UNAVAILABLE_ERROR_TYPES = [
  MongoNetworkError,
  MongoServerSelectionError,
  MongoNotConnectedError,
  MongoTopologyClosedError,
];
/** The connection pool's errors, which the driver does not export as classes. */
const UNAVAILABLE_ERROR_NAMES = new Set(['MongoPoolClosedError', 'MongoPoolClearedError']);
/** Labels the driver puts on errors after which the connection pool is reset or the write may be retried. */
const UNAVAILABLE_LABELS = ['ResetPool', 'RetryableWriteError', 'TransientTransactionError'];
/** Server codes of a node shutting down or stepping down: ShutdownInProgress, InterruptedAtShutdown, PrimarySteppedDown, NotWritablePrimary, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary. */
const UNAVAILABLE_CODES = new Set([91, 11600, 189, 10107, 11602, 13435, 13436]);

function isUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (UNAVAILABLE_ERROR_TYPES.some((type) => error instanceof type)) return true;
  if (error instanceof Error && UNAVAILABLE_ERROR_NAMES.has(error.name)) return true;
  if (!(error instanceof MongoError)) return false;
  return UNAVAILABLE_LABELS.some((label) => error.hasErrorLabel(label)) || (typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code));
}

function translate(error: unknown): unknown {
  if (isUnavailable(error)) return new HttpProblem('databaseUnavailable');
  return error;
}
