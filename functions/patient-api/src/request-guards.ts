import type { HttpRequest } from '@azure/functions';
import { parseUuid } from '../../shared/src/ids';
import { HttpProblem } from '../../shared/src/problem';

/**
 * An id from the path. A malformed one cannot exist, so reads answer 404 (as the reference
 * implementation does) and writes 400; either way before any audit or data access.
 */
export function pathId(request: HttpRequest, name: string, access: 'read' | 'write'): string {
  const id = parseUuid(request.params[name]);
  if (id !== undefined) return id;
  if (access === 'read') throw new HttpProblem('notFound');
  throw new HttpProblem('validation', { errors: [{ path: name, message: 'must be a UUID' }] });
}

/** `id` and `lastUpdated` are the server's; a create that sets them is refused with a clear reason. */
export function rejectServerSetFields(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const errors = ['id', 'lastUpdated'].filter((field) => field in body).map((field) => ({ path: `/${field}`, message: 'is set by the server' }));
  if (errors.length > 0) throw new HttpProblem('validation', { errors });
}

/** A body may repeat an id of the route (as GET returned it); it must then be the same. */
export function requireSameId(bodyValue: string | undefined, routeValue: string, field: string): void {
  if (bodyValue !== undefined && bodyValue.toLowerCase() !== routeValue) {
    throw new HttpProblem('validation', { errors: [{ path: `/${field}`, message: 'must equal the id in the path' }] });
  }
}

/** Paging token from the query string (list routes have no body). */
export function queryToken(request: HttpRequest): string | undefined {
  const token = request.query.get('continuationToken');
  if (token === null) return undefined;
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(token)) {
    throw new HttpProblem('validation', { errors: [{ path: 'continuationToken', message: 'is not a continuation token of this query' }] });
  }
  return token;
}
