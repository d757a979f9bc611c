import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import pino from 'pino';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = unknown>(): T;
}

/** An HTTP call with control over the client's source address (the stand-in subnets). */
export function call(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string; ca?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const common = { method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress };
    // HTTPS (the local stack's ARM endpoint) trusts the CA given, the stack's own.
    const send = url.startsWith('https:') ? (done: Parameters<typeof request>[2]) => httpsRequest(url, { ...common, ca: options.ca }, done) : (done: Parameters<typeof request>[2]) => request(url, common, done);
    const req = send((res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const silentLogger = () => pino({ level: 'silent' });
