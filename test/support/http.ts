import { request, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One HTTP client for every test: a deadline on each exchange, the client's source address selectable, no pooled sockets. */
export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = unknown>(): T;
}

export interface SendOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  /** The client's source address: how a test stands in one of the subnets' loopback ranges. */
  localAddress?: string;
  /** Every request has a deadline: a server that never answers fails the test instead of hanging it. */
  timeoutMs?: number;
  /** For HTTPS (the local stack's ARM endpoint): the CA to trust, the stack's own. */
  ca?: string;
}

export const DEFAULT_CLIENT_TIMEOUT_MS = 15_000;

export class ClientTimeoutError extends Error {
  constructor(method: string, url: string, timeoutMs: number) {
    super(`no answer to ${method} ${new URL(url).pathname} within ${timeoutMs} ms`);
    this.name = 'ClientTimeoutError';
  }
}

/** One HTTP exchange with a client-side deadline, the whole body read. */
export function send(url: string, options: SendOptions = {}): Promise<HttpReply> {
  const method = options.method ?? 'GET';
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const common = { method, headers: options.headers, localAddress: options.localAddress, agent: false as const };
    const open = (done: Parameters<typeof request>[2]) => (url.startsWith('https:') ? httpsRequest(url, { ...common, ca: options.ca }, done) : request(url, common, done));
    const req = open((res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(() => req.destroy(new ClientTimeoutError(method, url, timeoutMs)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(options.body);
  });
}

/** Runs tasks with at most `limit` in flight, keeping their order in the results. */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export function contentType(reply: HttpReply): string {
  const value = reply.headers['content-type'];
  return typeof value === 'string' ? value : '';
}
