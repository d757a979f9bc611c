import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (request: RecordedRequest, fake: FakeAzure) => FakeAnswer;

/**
 * A stand-in for ARM and Key Vault on 127.0.0.1: answers are scripted per
 * "METHOD /path" (a queue, last one repeats), every request is recorded with its
 * query, bearer token and JSON body, and unscripted requests get 404 so a wrong
 * path or verb shows up as a failure.
 */
export class FakeAzure {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, Handler[]>();
  private server!: Server;
  baseUrl = '';

  static async start(): Promise<FakeAzure> {
    const fake = new FakeAzure();
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  on(route: string, ...answers: (FakeAnswer | Handler)[]): this {
    this.scripts.set(
      route,
      answers.map((answer) => (typeof answer === 'function' ? answer : () => answer)),
    );
    return this;
  }

  requestsTo(route: string): RecordedRequest[] {
    const [method, path] = route.split(' ');
    return this.requests.filter((request) => request.method === method && request.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.baseUrl);
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    this.requests.push(request);
    const queue = this.scripts.get(`${request.method} ${request.path}`);
    const handler = queue && (queue.length > 1 ? queue.shift()! : queue[0]);
    const answer = handler ? handler(request, this) : { status: 404, body: { error: { code: 'NotScripted', message: `${request.method} ${request.path}` } } };
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }
}
