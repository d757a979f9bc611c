/** How a conditional write ended; the handler maps these to 200/204, 404 and 412. */
export type WriteOutcome<T> = { kind: 'done'; value: T } | { kind: 'not-found' } | { kind: 'precondition-failed' };
