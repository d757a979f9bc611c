import { expect } from 'chai';
import type { MongoServerError } from 'mongodb';

/**
 * An error Cosmos DB relays from its backend: `code`, and an errmsg of the form
 * `Error=<code>, Details='Response status code does not indicate success: <status> (<http>);
 * Substatus: <n>; ActivityId: <guid>; Reason: (...<text>...)'`.
 */
export function expectBackendError(error: MongoServerError, code: number, status: string, text: string): void {
  expect(error.code, error.message).to.equal(code);
  const prefix = `Error=${code}, Details='Response status code does not indicate success: ${status}; Substatus: `;
  expect(error.message.startsWith(prefix), error.message).to.equal(true);
  expect(error.message).to.match(/; ActivityId: [0-9a-f-]{36}; Reason: \(/);
  expect(error.message).to.contain(JSON.stringify(text));
}
