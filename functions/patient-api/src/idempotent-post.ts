import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Clock } from '../../shared/src/clock';
import { formatEtag } from '../../shared/src/etag';
import type { RequestContext } from '../../shared/src/http-endpoint';
import type { AuditClient } from './audit-client';
import { HttpProblem } from '../../shared/src/problem';
import type { IdempotencyStore, ResourceRef, StoredResponse } from './idempotency-store';
import { sha256Hex, stableStringify } from './stable-json';

export interface IdempotentPostDeps {
  idempotency: IdempotencyStore;
  audit: AuditClient;
  clock: Clock;
  /** How long a repeat waits for the first request with its key to finish. */
  waitForFirstMs?: number;
  /** A claim older than this is taken to belong to a request that died. */
  abandonedAfterMs?: number;
}

/** A resource as it is now: its body and the version behind its ETag. */
export interface CurrentResource {
  body: unknown;
  version: string;
}

export interface CreatedResource extends CurrentResource {
  ref: ResourceRef;
}

/**
 * The create itself, and how to answer a repeat. `create` audits and writes a new resource;
 * `replay` audits a read of the one the first request made and returns it as it is now
 * (undefined if it is gone), so a replay never hands out data older than the record.
 */
export interface IdempotentCreate {
  create(): Promise<CreatedResource>;
  replay(ref: ResourceRef): Promise<CurrentResource | undefined>;
}

const POLL_MS = 50;

/**
 * Runs a create under the request's `Idempotency-Key`, if it has one. The key is scoped
 * to the caller and the route; what the first request created is remembered (by reference)
 * and a repeat with the same body answers 201 with that resource as it is now; a repeat with
 * another body is a 422. Every 201 carries `Location`.
 */
export async function runIdempotentPost(
  deps: IdempotentPostDeps,
  request: HttpRequest,
  context: RequestContext,
  scope: { operation: string; routeKey: string },
  body: unknown,
  operations: IdempotentCreate,
): Promise<HttpResponseInit> {
  const location = locationFor(request);
  const header = request.headers.get('idempotency-key');
  if (header === null) {
    const created = await operations.create();
    return toResponse(location(created.ref), created);
  }
  if (!/^[\x21-\x7e]{1,128}$/.test(header)) {
    throw new HttpProblem('validation', { errors: [{ path: 'Idempotency-Key', message: 'must be 1 to 128 visible ASCII characters' }] });
  }
  const key = sha256Hex(stableStringify([context.caller.subscriptionId ?? '', scope.operation, scope.routeKey, header]));
  const requestHash = sha256Hex(stableStringify(body));
  const waitForFirstMs = deps.waitForFirstMs ?? 5_000;
  const abandonedAfterMs = deps.abandonedAfterMs ?? 60_000;

  const createAndRemember = async (): Promise<HttpResponseInit> => {
    let created: CreatedResource;
    try {
      created = await operations.create();
    } catch (error) {
      // Failures are not replayed: the client may fix the cause and retry with the same key.
      await deps.idempotency.release(context.trace, key).catch(() => undefined);
      throw error;
    }
    await deps.idempotency.complete(context.trace, key, created.ref.patientId, { status: 201, ref: created.ref });
    return toResponse(location(created.ref), created);
  };
  const replay = async (response: StoredResponse): Promise<HttpResponseInit> => {
    const current = await operations.replay(response.ref);
    if (current === undefined) throw new HttpProblem('notFound');
    return toResponse(location(response.ref), current, true);
  };

  // The key's record is data too: its use is audited (by the key's hash, nothing personal) before it is read or claimed.
  await deps.audit.record(context, { type: 'idempotency-key', id: key, operation: 'claim' });
  const claim = await deps.idempotency.claim(context.trace, key, requestHash, deps.clock.now());
  if (claim.kind === 'claimed') return createAndRemember();

  let record = claim.record;
  const waitStarted = deps.clock.now().getTime();
  for (;;) {
    if (record.requestHash !== requestHash) throw new HttpProblem('idempotencyKeyReused');
    if (record.state === 'done' && record.response !== undefined) return replay(record.response);
    const now = deps.clock.now();
    if (now.getTime() - record.createdAt.getTime() > abandonedAfterMs && (await deps.idempotency.takeOver(context.trace, key, record.createdAt, now))) {
      return createAndRemember();
    }
    if (now.getTime() - waitStarted >= waitForFirstMs) throw new HttpProblem('idempotencyInProgress', { retryAfterSeconds: 1 });
    await deps.clock.sleep(POLL_MS);
    const again = await deps.idempotency.read(context.trace, key);
    if (again === undefined) {
      // The first request failed and let go of the key: this one may now create.
      const retry = await deps.idempotency.claim(context.trace, key, requestHash, deps.clock.now());
      if (retry.kind === 'claimed') return createAndRemember();
      record = retry.record;
    } else {
      record = again;
    }
  }
}

/**
 * `Location` as a reference relative to the request's own URL (RFC 9110 allows it), so it is
 * right wherever the request was addressed: `/patient` at the gateway, `/api/patient` at the app.
 */
function locationFor(request: HttpRequest): (ref: ResourceRef) => string {
  const path = new URL(request.url).pathname;
  const last = path.endsWith('/') ? '' : `${path.slice(path.lastIndexOf('/') + 1)}/`;
  return (ref) => `${last}${encodeURIComponent(ref.id)}`;
}

function toResponse(location: string, resource: CurrentResource, replayed = false): HttpResponseInit {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', ETag: formatEtag(resource.version), Location: location };
  if (replayed) headers['Idempotent-Replayed'] = 'true';
  return { status: 201, headers, body: JSON.stringify(resource.body) };
}
