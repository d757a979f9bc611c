import autocannon from 'autocannon';
import { nextRequest, type Fixtures, type Operation, type Target } from './workload';

export interface LoadResult {
  operation: Operation;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers plus socket errors (timeouts included). */
  errors: number;
  total: number;
  /** CPU ms per request of each process of the local stack (real runs only), by process name. */
  cpuMsPerRequest?: Record<string, number>;
}

/** Drives one operation at a fixed number of connections for `durationSeconds` with autocannon. */
export async function runLoad(target: Target, operation: Operation, fixtures: Fixtures, connections: number, durationSeconds: number): Promise<LoadResult> {
  const headers = { ...target.headers, 'content-type': 'application/json' };
  const result = await autocannon({
    url: target.url,
    connections,
    duration: durationSeconds,
    timeout: 20,
    requests: [
      {
        setupRequest: (request) => {
          const shape = nextRequest(operation, fixtures);
          return { ...request, method: shape.method, path: shape.path, headers, ...(shape.body !== undefined ? { body: shape.body } : { body: undefined }) };
        },
      },
    ],
  });
  return {
    operation,
    connections,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.non2xx + result.errors,
    total: result.requests.total,
  };
}
