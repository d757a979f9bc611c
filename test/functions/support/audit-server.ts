import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FunctionRoute } from '../../../functions/shared/src/function-route';

export interface TestServer {
  /** Base URL including `/api`. */
  baseUrl: string;
  /** Every request as received (method, url, headers), for assertions on what the caller sent. */
  received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

/**
 * Serves an app's route table over real HTTP on 127.0.0.1 (ephemeral port), requiring
 * `x-functions-key` to equal `key()` like the Functions host does for authLevel function.
 */
export function serveRoutes(routes: FunctionRoute[], key: () => string): Promise<TestServer> {
  return listen(async (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routes.find((candidate) => `/api/${candidate.route}` === url.pathname && candidate.methods.includes(req.method as never));
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['x-functions-key'] !== key()) {
      res.writeHead(401).end();
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const request = new HttpRequest({ method: req.method, url: url.toString(), headers, ...(body.length > 0 ? { body: { bytes: body } } : {}) });
    const init = await route.handler(request, new InvocationContext({ functionName: route.name, logHandler: () => undefined }));
    const response = new HttpResponse(init);
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => (out[name] = value));
    res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()));
  });
}

/** A server that answers every request, once its body has arrived, by a script: a status, or never (to exercise timeouts). */
export function scriptedServer(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  return listen((req, res) => {
    answer(req, res);
    return Promise.resolve();
  });
}

function listen(handle: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void>): Promise<TestServer> {
  const received: TestServer['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString('utf8') });
      handle(req, res, body).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        baseUrl: `http://127.0.0.1:${port}/api`,
        received,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
