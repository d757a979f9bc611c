import { HttpProblem } from './problem';

/**
 * Continuation tokens are opaque to clients: base64url JSON of where the next page starts,
 * bound to the query they came from. A token that does not decode, or belongs to another
 * query, is a 400; its content is only ever used after the caller re-validates it.
 */
export function encodeContinuationToken(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string, expectedKeys: readonly string[]): Record<string, string> {
  const invalid = new HttpProblem('validation', { errors: [{ path: '/continuationToken', message: 'is not a continuation token of this query' }] });
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(token)) throw invalid;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) throw invalid;
  const entries = Object.entries(decoded as Record<string, unknown>);
  if (entries.length !== expectedKeys.length) throw invalid;
  const position: Record<string, string> = {};
  for (const key of expectedKeys) {
    const value = (decoded as Record<string, unknown>)[key];
    if (typeof value !== 'string' || value.length > 256) throw invalid;
    position[key] = value;
  }
  return position;
}
