import { randomUUID } from 'node:crypto';
import { CommandError, ErrorCode } from '../errors';

/** The HTTP status Cosmos DB's backend answered with, as its `Details` text names it. */
export interface BackendStatus {
  name: string;
  http: number;
}

const BAD_REQUEST: BackendStatus = { name: 'BadRequest', http: 400 };
export const FORBIDDEN: BackendStatus = { name: 'Forbidden', http: 403 };
const REQUEST_ENTITY_TOO_LARGE: BackendStatus = { name: 'RequestEntityTooLarge', http: 413 };

/**
 * An error as Cosmos DB for MongoDB relays one from its backend: `Error=<code>, Details='Response
 * status code does not indicate success: <status> (<http>); Substatus: <n>; ActivityId: <guid>;
 * Reason: (Message: {"Errors":["<text>"]} ...)'` (the shape of the sort, unique-index and size errors
 * in user reports, 2021-2024). A throttled request also names `RetryAfterMs=<n>` after the code.
 */
function backendMessage(code: number, status: BackendStatus, text: string, options: { substatus?: number; retryAfterMs?: number } = {}): string {
  const activityId = randomUUID();
  const retry = options.retryAfterMs === undefined ? '' : `RetryAfterMs=${options.retryAfterMs}, `;
  return (
    `Error=${code}, ${retry}Details='Response status code does not indicate success: ${status.name} (${status.http}); Substatus: ${options.substatus ?? 0}; ` +
    `ActivityId: ${activityId}; Reason: (Message: {"Errors":[${JSON.stringify(text)}]}\r\nActivityId: ${activityId});'`
  );
}

export function backendError(code: number, status: BackendStatus, text: string): CommandError {
  return new CommandError(code, backendMessage(code, status, text));
}

/** Throttling: 16500, Substatus 3200, with the server's RetryAfterMs (error-codes-solutions.md; reports 2024). */
export function throttledMessage(retryAfterMs: number): string {
  return backendMessage(
    ErrorCode.RequestRateTooLarge,
    { name: 'TooManyRequests', http: 429 },
    'Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later. Learn more: http://aka.ms/cosmosdb-error-429',
    { substatus: 3200, retryAfterMs },
  );
}

const UNIQUE_INDEX_LOCKED = 'The unique index cannot be modified. To change the unique index, remove the collection and re-create a new one.';

/** A unique index added to a collection that holds documents (2018 and 2024 reports: 13, Forbidden). */
export function uniqueIndexOnDataError(): CommandError {
  return backendError(ErrorCode.Unauthorized, FORBIDDEN, UNIQUE_INDEX_LOCKED);
}

/** A unique index added, changed or dropped after creation on a continuous-backup account (2022 report: 2, BadRequest). */
export function uniqueIndexLockedError(): CommandError {
  return backendError(ErrorCode.BadValue, BAD_REQUEST, UNIQUE_INDEX_LOCKED);
}

export function nestedIndexError(): CommandError {
  return new CommandError(ErrorCode.CommandNotSupported, 'Unique and compound indexes do not support nested paths.');
}

export function ttlFieldError(): CommandError {
  return new CommandError(ErrorCode.BadValue, "The 'expireAfterSeconds' option is supported on '_ts' field only.");
}

export function orderByExcludedError(): CommandError {
  return backendError(ErrorCode.BadValue, BAD_REQUEST, 'The index path corresponding to the specified order-by item is excluded.');
}

export function compositeIndexMissingError(): CommandError {
  return backendError(ErrorCode.BadValue, BAD_REQUEST, 'The order by query does not have a corresponding composite index that it can be served from.');
}

export function documentTooLargeError(): CommandError {
  return backendError(ErrorCode.InvalidLength, REQUEST_ENTITY_TOO_LARGE, 'Request size is too large');
}

export function duplicateKeyError(ns: string): CommandError {
  return new CommandError(ErrorCode.DuplicateKey, `E11000 duplicate key error collection: ${ns}. Failed _id or unique index constraint.`);
}

export function retryableWritesError(): CommandError {
  return new CommandError(
    ErrorCode.BadValue,
    'Retryable writes are not supported. Please disable retryable writes by specifying "retrywrites=false" in the connection string or an equivalent driver specific config.',
  );
}

/** Code 50841 has no code name in the reports; the twin names it as MongoDB names unnamed codes. */
const SHARDED_TRANSACTION_CODE = 50841;

export function shardedTransactionError(): CommandError {
  return new CommandError(SHARDED_TRANSACTION_CODE, 'Multi-document transactions cannot be run in a sharded collection');
}
