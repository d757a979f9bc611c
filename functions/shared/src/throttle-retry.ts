/**
 * Cosmos DB answers "request rate is large" with error 16500 and, in the message,
 * `RetryAfterMs=<n>`. These are the pure parts of the retry policy for it.
 */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** No retry starts once this much time has passed since the first attempt (waits included). */
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, maxTotalMs: 10_000, baseDelayMs: 100, maxDelayMs: 2_000 };

export function isThrottleError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 16500 || (typeof message === 'string' && /\bRetryAfterMs=\d+/.test(message) && /TooManyRequests|16500|rate is large/i.test(message));
}

export function retryAfterMsOf(error: unknown): number | undefined {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return undefined;
  const match = /\bRetryAfterMs=(\d+)/.exec(message);
  return match === null ? undefined : Number(match[1]);
}

/** The server's RetryAfterMs when it gave one, else exponential backoff with full jitter. */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy, random: () => number): number {
  const hinted = retryAfterMsOf(error);
  if (hinted !== undefined) return hinted;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}
