import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Clock } from '../../shared/src/clock';
import { formatEtag } from '../../shared/src/etag';
import type { RequestContext } from '../../shared/src/http-endpoint';
import { HttpProblem } from '../../shared/src/problem';
import type { IdempotencyStore, StoredResponse } from './idempotency-store';
import { sha256Hex, stableStringify } from './stable-json';

export interface IdempotentPostDeps {
  idempotency: IdempotencyStore;
  clock: Clock;
  /** How long a repeat waits for the first request with its key to finish. */
  waitForFirstMs?: number;
  /** A claim older than this is taken to belong to a request that died. */
  abandonedAfterMs?: number;
}

/** What a successful create produced: the 201 to send and to replay. */
export interface CreatedResource {
  patientId: string;
  body: unknown;
  version: string;
}

const POLL_MS = 50;

/**
 * Runs a create under the request's `Idempotency-Key`, if it has one. The key is scoped
 * to the caller and the route; the first response is stored and replayed (status, body,
 * ETag) for repeats with the same body; a repeat with another body is a 422.
 */
export async function runIdempotentPost(
  deps: IdempotentPostDeps,
  request: HttpRequest,
  context: RequestContext,
  scope: { operation: string; routeKey: string },
  body: unknown,
  create: () => Promise<CreatedResource>,
): Promise<HttpResponseInit> {
  const header = request.headers.get('idempotency-key');
  if (header === null) return toResponse(stored(await create()));
  if (!/^[\x21-\x7e]{1,128}$/.test(header)) {
    throw new HttpProblem('validation', { errors: [{ path: 'Idempotency-Key', message: 'must be 1 to 128 visible ASCII characters' }] });
  }
  const key = sha256Hex(stableStringify([context.caller.subscriptionId ?? '', scope.operation, scope.routeKey, header]));
  const requestHash = sha256Hex(stableStringify(body));
  const waitForFirstMs = deps.waitForFirstMs ?? 5_000;
  const abandonedAfterMs = deps.abandonedAfterMs ?? 60_000;

  const claim = await deps.idempotency.claim(context.trace, key, requestHash, deps.clock.now());
  if (claim.kind === 'claimed') return createAndRemember(deps, context, key, create);

  let record = claim.record;
  const waitStarted = deps.clock.now().getTime();
  for (;;) {
    if (record.requestHash !== requestHash) throw new HttpProblem('idempotencyKeyReused');
    if (record.state === 'done' && record.response !== undefined) return toResponse(record.response, true);
    const now = deps.clock.now();
    if (now.getTime() - record.createdAt.getTime() > abandonedAfterMs && (await deps.idempotency.takeOver(context.trace, key, record.createdAt, now))) {
      return createAndRemember(deps, context, key, create);
    }
    if (now.getTime() - waitStarted >= waitForFirstMs) throw new HttpProblem('idempotencyInProgress', { retryAfterSeconds: 1 });
    await deps.clock.sleep(POLL_MS);
    const again = await deps.idempotency.read(context.trace, key);
    if (again === undefined) {
      // The first request failed and let go of the key: this one may now create.
      const retry = await deps.idempotency.claim(context.trace, key, requestHash, deps.clock.now());
      if (retry.kind === 'claimed') return createAndRemember(deps, context, key, create);
      record = retry.record;
    } else {
      record = again;
    }
  }
}

async function createAndRemember(deps: IdempotentPostDeps, context: RequestContext, key: string, create: () => Promise<CreatedResource>): Promise<HttpResponseInit> {
  let created: CreatedResource;
  try {
    created = await create();
  } catch (error) {
    // Failures are not replayed: the client may fix the cause and retry with the same key.
    await deps.idempotency.release(context.trace, key).catch(() => undefined);
    throw error;
  }
  const response = stored(created);
  await deps.idempotency.complete(context.trace, key, created.patientId, response);
  return toResponse(response);
}

function stored(created: CreatedResource): StoredResponse {
  return { status: 201, body: JSON.stringify(created.body), etag: formatEtag(created.version) };
}

function toResponse(response: StoredResponse, replayed = false): HttpResponseInit {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', ETag: response.etag };
  if (replayed) headers['Idempotent-Replayed'] = 'true';
  return { status: response.status, headers, body: response.body };
}
