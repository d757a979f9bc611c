import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/**
 * Steady traffic through the gateway while keys rotate: a fixed number of clients, each a
 * closed loop (one request at a time, keep-alive connections of the global fetch) over a mix of
 * reads and writes. Every Patient API operation is audited before it answers, so every request
 * needs both keys: gateway → Patient API and Patient API → Audit API.
 */
export interface SteadyLoadOptions {
  gatewayUrl: string;
  /** Subscription keys; client i uses key i mod length. */
  subscriptionKeys: string[];
  clients: number;
  /** Pause between one client's requests; 0 runs flat out. */
  thinkMs?: number;
  requestTimeoutMs?: number;
}

export type Operation = 'create' | 'read' | 'update' | 'search' | 'add-test' | 'list-tests';

export interface FailedRequest {
  /** When the request was sent, in ms since the load started. */
  at: number;
  operation: Operation;
  /** HTTP status, or 0 for a socket error or timeout. */
  status: number;
  detail: string;
}

export interface LoadReport {
  clients: number;
  requests: number;
  failures: number;
  durationMs: number;
  requestsPerSecond: number;
  byOperation: Record<Operation, number>;
  /** Answers per HTTP status ("error" for no answer at all). */
  byStatus: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
  /** The first failures, with when (ms since start), what and why. */
  failed: FailedRequest[];
}

export interface SteadyLoad {
  /** Requests answered so far. */
  readonly requests: number;
  readonly failures: number;
  /** Milliseconds since the load started, on the clock of `FailedRequest.at`. */
  elapsedMs(): number;
  /** Failed requests sent at or after `atMs` (ms since the load started): how many, and the first of them. */
  failuresSentSince(atMs: number): { count: number; first: FailedRequest[] };
  /** Resolves once at least `count` more requests have been answered. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Stops after every client's request in flight has finished. */
  stop(): Promise<LoadReport>;
}

const EXPECTED: Record<Operation, number> = { create: 201, read: 200, update: 200, search: 200, 'add-test': 201, 'list-tests': 200 };
/** Each client's cycle after creating its own patient: three reads, three writes. */
const CYCLE: Operation[] = ['read', 'search', 'update', 'list-tests', 'add-test', 'read', 'create'];
const MAX_FAILURES_KEPT = 20;

const patientBody = (client: number, n: number) => ({
  firstName: `Load${client}`,
  lastName: `Run${n}`,
  gender: 'unknown',
  dateOfBirth: '1970-01-01',
  postCode: `LD${client} ${n % 10}AA`,
});

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const base = options.gatewayUrl.replace(/\/+$/, '');
  const started = performance.now();
  let running = true;
  let requests = 0;
  let failures = 0;
  const latencies: number[] = [];
  const byOperation = Object.fromEntries(Object.keys(EXPECTED).map((op) => [op, 0])) as Record<Operation, number>;
  const byStatus: Record<string, number> = {};
  const failed: FailedRequest[] = [];
  const allFailed: FailedRequest[] = [];
  const waiters: { target: number; resolve: () => void }[] = [];

  function record(operation: Operation, status: number, detail: string, begin: number): void {
    requests++;
    byOperation[operation]++;
    byStatus[status === 0 ? 'error' : String(status)] = (byStatus[status === 0 ? 'error' : String(status)] ?? 0) + 1;
    latencies.push(performance.now() - begin);
    if (status !== EXPECTED[operation]) {
      failures++;
      const failure = { at: Math.round(begin - started), operation, status, detail };
      allFailed.push(failure);
      if (failed.length < MAX_FAILURES_KEPT) failed.push(failure);
    }
    for (const waiter of waiters.filter((w) => requests >= w.target)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  async function send(operation: Operation, key: string, method: string, path: string, body?: unknown): Promise<unknown> {
    const begin = performance.now();
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { 'ocp-apim-subscription-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 15_000),
      });
      const text = await response.text();
      record(operation, response.status, response.status === EXPECTED[operation] ? '' : text.slice(0, 200), begin);
      return response.status === EXPECTED[operation] && text ? (JSON.parse(text) as unknown) : undefined;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      record(operation, 0, `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`, begin);
      return undefined;
    }
  }

  async function client(index: number): Promise<void> {
    const key = options.subscriptionKeys[index % options.subscriptionKeys.length];
    let patientId: string | undefined;
    let n = 0;
    while (running) {
      n++;
      const operation: Operation = patientId === undefined ? 'create' : CYCLE[n % CYCLE.length];
      switch (operation) {
        case 'create': {
          const created = (await send('create', key, 'POST', '/patient', patientBody(index, n))) as { id?: string } | undefined;
          if (created?.id) patientId = created.id;
          break;
        }
        case 'read':
          await send('read', key, 'GET', `/patient/${patientId}`);
          break;
        case 'update':
          await send('update', key, 'PUT', `/patient/${patientId}`, patientBody(index, n));
          break;
        case 'search':
          await send('search', key, 'POST', '/patient/search', n % 2 === 0 ? { id: patientId } : { id: randomUUID() });
          break;
        case 'add-test':
          await send('add-test', key, 'POST', `/patient/${patientId}/tests`, { performer: 'load', observations: [{ code: 'HB', measurement: `${n}` }] });
          break;
        case 'list-tests':
          await send('list-tests', key, 'GET', `/patient/${patientId}/tests`);
          break;
      }
      if (options.thinkMs) await sleep(options.thinkMs);
    }
  }

  const clients = Array.from({ length: options.clients }, (_, i) => client(i));

  return {
    get requests() {
      return requests;
    },
    get failures() {
      return failures;
    },
    elapsedMs: () => performance.now() - started,
    failuresSentSince(atMs) {
      const since = allFailed.filter((failure) => failure.at >= atMs);
      return { count: since.length, first: since.slice(0, MAX_FAILURES_KEPT) };
    },
    waitForRequests(count, timeoutMs = 20_000) {
      const target = requests + count;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`load: fewer than ${count} requests answered in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          target,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async stop() {
      running = false;
      await Promise.all(clients);
      const durationMs = performance.now() - started;
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        clients: options.clients,
        requests,
        failures,
        durationMs: Math.round(durationMs),
        requestsPerSecond: Math.round((requests / durationMs) * 1000),
        byOperation,
        byStatus,
        latencyMs: { p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)), max: Math.round(sorted.at(-1) ?? 0) },
        failed,
      };
    },
  };
}

export function describeLoad(report: LoadReport): string {
  const statuses = Object.entries(report.byStatus)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  return (
    `${report.requests} requests from ${report.clients} clients in ${(report.durationMs / 1000).toFixed(1)} s ` +
    `(${report.requestsPerSecond} req/s), ${report.failures} failed; statuses ${statuses}; ` +
    `latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms`
  );
}
