import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBE_KEY } from './fake-arm';

/** How the gateway misbehaves, one way per behaviour check. */
export interface GatewayFaults {
  /** Serves a request without a subscription key. */
  anonymousAllowed?: boolean;
  /** Lets a consumer key call the compliance API. */
  complianceOpen?: boolean;
  /** Answers an invalid body with a plain 400 instead of a problem document. */
  plainErrors?: boolean;
  /** Answers a delete 204 without deleting. */
  deleteIgnored?: boolean;
}

export interface FakeGateway {
  url: string;
  faults: GatewayFaults;
  /** Patients held now, by id. */
  patients: Map<string, Record<string, unknown>>;
  /** "METHOD path" of every request. */
  requests: string[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** The gateway and the Patient API behind it as verify sees them: keys, products, validation, the patient routes. */
export async function startFakeGateway(): Promise<FakeGateway> {
  const faults: GatewayFaults = {};
  const patients = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? 'GET'} ${req.url ?? '/'}`);
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const send = (status: number, body?: unknown, type = 'application/json') => {
        res.writeHead(status, body === undefined ? {} : { 'content-type': type }).end(body === undefined ? undefined : JSON.stringify(body));
      };
      const key = req.headers['ocp-apim-subscription-key'];
      const path = req.url ?? '/';
      if (key === undefined && !faults.anonymousAllowed) return send(401, { statusCode: 401, message: 'Access denied due to missing subscription key.' });
      if (key !== undefined && key !== PROBE_KEY) return send(401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
      if (path.startsWith('/compliance/')) return faults.complianceOpen ? send(200, []) : send(401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
      const body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
      const id = /^\/patient\/([0-9a-f-]{36})$/.exec(path)?.[1];
      if (req.method === 'POST' && path === '/patient/search') return send(200, [...patients.values()].filter((p) => Object.entries(body).every(([k, v]) => p[k] === v)));
      if (req.method === 'POST' && path === '/patient') {
        if (typeof body.firstName !== 'string' || body.firstName === '') {
          return faults.plainErrors ? send(400, 'bad request', 'text/plain') : send(400, { type: 'about:blank', title: 'Bad Request', status: 400 }, 'application/problem+json');
        }
        const created = { ...body, id: randomUUID(), lastUpdated: new Date().toISOString() };
        patients.set(created.id, created);
        return send(201, created);
      }
      if (id && req.method === 'GET') return patients.has(id) ? send(200, patients.get(id)) : send(404, { status: 404 }, 'application/problem+json');
      if (id && req.method === 'DELETE') {
        if (!patients.has(id)) return send(404, { status: 404 }, 'application/problem+json');
        if (!faults.deleteIgnored) patients.delete(id);
        return send(204);
      }
      return send(404, { statusCode: 404, message: 'Resource not found' });
    });
  });
  const url = await listen(server);
  return { url, faults, patients, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** An app's own host as this machine reaches it: App Service's 403 page, or (open) a 200. */
export async function startAppHost(): Promise<{ url: string; open: boolean; setOpen(open: boolean): void; close(): Promise<void> }> {
  let open = false;
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(open ? 200 : 403, { 'content-type': 'text/html' }).end(open ? '[]' : 'Error 403 - Forbidden');
  });
  const url = `${await listen(server)}/api`;
  return {
    url,
    get open() {
      return open;
    },
    setOpen: (value) => (open = value),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
