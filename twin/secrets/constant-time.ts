import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares a presented key with a stored one without leaking where they differ. */
export function sameKey(presented: string, stored: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(stored).digest();
  return timingSafeEqual(a, b);
}
