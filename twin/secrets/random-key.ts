import { randomBytes } from 'node:crypto';

/** A key in the style of Functions host keys and APIM subscription keys: URL-safe, 256 bits. */
export function newRandomKey(): string {
  return randomBytes(32).toString('base64url');
}
