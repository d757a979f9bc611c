import type { HttpResponseInit } from '@azure/functions';

const PROBLEM_BASE = 'https://patient-records/problems/';

/** The stable problem types both APIs answer with; the `type` URI never changes once published. */
export const ProblemTypes = {
  validation: { slug: 'validation', status: 400, title: 'The request is not valid' },
  malformedJson: { slug: 'malformed-json', status: 400, title: 'The body is not well-formed JSON' },
  notFound: { slug: 'not-found', status: 404, title: 'No such resource' },
  idempotencyInProgress: { slug: 'idempotency-in-progress', status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  preconditionFailed: { slug: 'precondition-failed', status: 412, title: 'If-Match does not match the current ETag' },
  /** Answered by the gateway's policy (contracts/apim-policy.xml) to a chunked body; listed so the type is defined once. */
  lengthRequired: { slug: 'length-required', status: 411, title: 'The request needs a Content-Length' },
  payloadTooLarge: { slug: 'payload-too-large', status: 413, title: 'The body is larger than 64 KiB' },
  unsupportedMediaType: { slug: 'unsupported-media-type', status: 415, title: 'The body must be application/json' },
  idempotencyKeyReused: { slug: 'idempotency-key-reused', status: 422, title: 'This Idempotency-Key was used for a different request' },
  internal: { slug: 'internal', status: 500, title: 'The request could not be processed' },
  auditRejected: { slug: 'audit-rejected', status: 502, title: 'The audit register refused the record; nothing was read or written' },
  auditUnavailable: { slug: 'audit-unavailable', status: 503, title: 'The audit register is unavailable; nothing was read or written' },
  databaseUnavailable: { slug: 'database-unavailable', status: 503, title: 'The database is unavailable' },
  databaseThrottled: { slug: 'database-throttled', status: 503, title: 'The database is busy; retry later' },
  auditTimeout: { slug: 'audit-timeout', status: 504, title: 'The audit register did not answer in time; nothing was read or written' },
} as const;

export type ProblemKind = keyof typeof ProblemTypes;

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemOptions {
  detail?: string;
  errors?: FieldError[];
  /** Seconds, sent as Retry-After. */
  retryAfterSeconds?: number;
}

export function problemTypeUri(kind: ProblemKind): string {
  return PROBLEM_BASE + ProblemTypes[kind].slug;
}

/**
 * An expected failure a handler throws; the endpoint wrapper turns it into a problem document.
 * `detail` must be written for the client: it is sent as is.
 */
export class HttpProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly options: ProblemOptions = {},
  ) {
    super(options.detail ?? ProblemTypes[kind].title);
    this.name = 'HttpProblem';
  }
}

export function problemResponse(kind: ProblemKind, options: ProblemOptions = {}): HttpResponseInit {
  const { status, title } = ProblemTypes[kind];
  const body: Record<string, unknown> = { type: problemTypeUri(kind), title, status };
  if (options.detail !== undefined) body.detail = options.detail;
  if (options.errors !== undefined && options.errors.length > 0) body.errors = options.errors;
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json' };
  if (options.retryAfterSeconds !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(options.retryAfterSeconds)));
  return { status, headers, body: JSON.stringify(body) };
}
