import { request } from 'node:https';

/** `fetch` over HTTPS that trusts `caCert` (the test CA a twin's certificate comes from) and nothing else. */
export function trustingFetch(caCert: string): (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<Response> {
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers: init.headers, ca: caCert }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
          const status = res.statusCode ?? 0;
          resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers }));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(init.body);
    });
}
