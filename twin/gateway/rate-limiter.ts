export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Fixed-window call counters per key, as `rate-limit-by-key` keeps them (one gateway instance). */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  hit(key: string, calls: number, periodSeconds: number): RateDecision {
    const now = this.now();
    const periodMs = periodSeconds * 1000;
    let window = this.windows.get(key);
    if (!window || now - window.start >= periodMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= calls) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.start + periodMs - now) / 1000)) };
    }
    window.count += 1;
    return { allowed: true };
  }
}
