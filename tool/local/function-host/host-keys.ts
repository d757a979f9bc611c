import { sameKey } from '../secrets/constant-time';

/** Functions host key check for authLevel `function`: header `x-functions-key`, else query `code`. */
export function presentedFunctionKey(headers: Record<string, string | string[] | undefined>, query: URLSearchParams): string | undefined {
  const header = headers['x-functions-key'];
  return (Array.isArray(header) ? header[0] : header) ?? query.get('code') ?? undefined;
}

export function isValidHostKey(keys: ReadonlyMap<string, string>, presented: string | undefined): boolean {
  if (presented === undefined || presented === '') return false;
  let valid = false;
  for (const value of keys.values()) valid = sameKey(presented, value) || valid;
  return valid;
}
