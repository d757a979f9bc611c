import { randomUUID } from 'node:crypto';
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { GroupCommitFile } from './group-commit-file';

/**
 * One hop of the bare chain, the floor the real stack is measured against: plain node:http,
 * keep-alive connections, no validation, no keys, no logging. Started as
 * `server.ts <gateway|patient|audit> <dataDir> [nextUrl]`; reports its port over IPC.
 *   gateway: forwards every request to the patient hop;
 *   patient: has the audit hop store a record, then stores writes itself (reads come from memory);
 *   audit:   stores the record.
 * Both stores append to a file and fdatasync with group commit.
 */
type Role = 'gateway' | 'patient' | 'audit';

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function call(url: URL, method: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(body.length) }, agent }, (res) => {
      readBody(res).then((data) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }), reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function gateway(next: URL) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const target = new URL(`/api${req.url ?? '/'}`, next);
    const answer = await call(target, req.method ?? 'GET', { 'content-type': String(req.headers['content-type'] ?? 'application/json') }, body);
    res.writeHead(answer.status, { 'content-type': String(answer.headers['content-type'] ?? 'application/json'), 'content-length': answer.body.length });
    res.end(answer.body);
  };
}

async function patient(dataDir: string, next: URL) {
  const store = await GroupCommitFile.open(join(dataDir, 'patients.log'));
  const records = new Map<string, string>();
  const auditUrl = new URL('/api/auditrecord', next);
  return async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').replace(/^\/api/, '');
    const audit = await call(auditUrl, 'POST', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ resource: { type: 'patient', id: path, operation: method } })));
    if (audit.status !== 201) return send(res, 502, '{"title":"audit failed"}');
    if (method === 'GET') return send(res, 200, records.get(path) ?? '{}');
    if (path === '/patient/search') return send(res, 200, '[]');
    const id = randomUUID();
    const stored = JSON.stringify({ ...(JSON.parse(body.toString() || '{}') as object), id, lastUpdated: new Date().toISOString() });
    await store.append(stored);
    records.set(method === 'POST' && path === '/patient' ? `/patient/${id}` : path, stored);
    send(res, method === 'POST' ? 201 : 200, stored);
  };
}

async function audit(dataDir: string) {
  const store = await GroupCommitFile.open(join(dataDir, 'audit.log'));
  return async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const record = JSON.stringify({ ...(JSON.parse(body.toString() || '{}') as object), id: randomUUID(), createdDate: new Date().toISOString() });
    await store.append(record);
    send(res, 201, record);
  };
}

async function main(): Promise<void> {
  const [role, dataDir, next] = process.argv.slice(2) as [Role, string, string | undefined];
  const handler = role === 'gateway' ? gateway(new URL(next!)) : role === 'patient' ? await patient(dataDir, new URL(next!)) : await audit(dataDir);
  const server = createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, '{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('disconnect', () => process.exit(0));
}

void main();
