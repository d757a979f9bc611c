import { createHash, timingSafeEqual } from 'node:crypto';

/** Functions host key check for authLevel `function`: header `x-functions-key`, else query `code`. */
export function presentedFunctionKey(headers: Record<string, string | string[] | undefined>, query: URLSearchParams): string | undefined {
  const header = headers['x-functions-key'];
  return (Array.isArray(header) ? header[0] : header) ?? query.get('code') ?? undefined;
}

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * The host keys of an app, held as SHA-256 digests: a presented key is hashed once and compared
 * with every stored digest in constant time (equal lengths, no early exit), on every request.
 */
export class HostKeys {
  private readonly digests: readonly Buffer[];

  constructor(keys: Record<string, string>) {
    this.digests = Object.values(keys).map(digest);
  }

  accepts(presented: string | undefined): boolean {
    if (presented === undefined || presented === '') return false;
    const presentedDigest = digest(presented);
    let valid = false;
    for (const stored of this.digests) valid = timingSafeEqual(presentedDigest, stored) || valid;
    return valid;
  }
}
