import { expect } from 'chai';
import { MongoServerError } from 'mongodb';
import { DEFAULT_RETRY_POLICY, isThrottleError, retryAfterMsOf, retryDelayMs } from '../../../../functions/shared/src/throttle-retry';

const cosmosMessage = (ms: number) => `Error=16500, RetryAfterMs=${ms}, Details='Response status code does not indicate success: TooManyRequests (429)'`;

describe('throttle retry policy (pure parts)', () => {
  it('recognises Cosmos DB throttling by code 16500 or its message', () => {
    expect(isThrottleError(new MongoServerError({ code: 16500, errmsg: cosmosMessage(10) }))).to.equal(true);
    expect(isThrottleError(new Error(cosmosMessage(10)))).to.equal(true);
    expect(isThrottleError(new MongoServerError({ code: 11000, errmsg: 'duplicate key' }))).to.equal(false);
    expect(isThrottleError(undefined)).to.equal(false);
  });

  it('honours RetryAfterMs from the message', () => {
    const error = new MongoServerError({ code: 16500, errmsg: cosmosMessage(742) });
    expect(retryAfterMsOf(error)).to.equal(742);
    expect(retryDelayMs(error, 3, DEFAULT_RETRY_POLICY, () => 0.5)).to.equal(742);
  });

  it('otherwise backs off exponentially with full jitter, capped', () => {
    const error = new MongoServerError({ code: 16500, errmsg: 'Request rate is large' });
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(error, attempt, policy, () => 0.999))).to.deep.equal([99, 199, 399, 799, 999, 999]);
    expect(retryDelayMs(error, 4, policy, () => 0)).to.equal(0);
    expect(retryDelayMs(error, 2, policy, () => 0.5)).to.equal(100);
  });
});
