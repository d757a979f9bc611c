import { expect } from 'chai';

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf<T = Error & { code?: number | string; codeName?: string }>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (error) {
    return error as T;
  }
  expect.fail('expected the operation to fail');
}
