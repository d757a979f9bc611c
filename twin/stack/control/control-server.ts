import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FaultRule } from '../../mongo';
import { createArmTwin, type ArmTwinConfig } from '../../arm/arm-twin';
import { createLoopbackTls } from '../../arm/loopback-tls';
import { findBestMatch, parseRouteTemplate, type RouteTemplate } from '../../routing/route-template';
import { sameKey } from '../../secrets/constant-time';
import { closeServer } from '../../http/server-lifecycle';

/** The local stack's own operations, which Azure has no ARM call for. */
export interface LocalControl {
  addDatabaseFault(rule: FaultRule): Promise<string>;
  clearDatabaseFaults(): Promise<void>;
  state(): Promise<unknown>;
}

export interface ControlServer {
  /** The ARM twin's base URL, HTTPS as ARM's: what stands in for https://management.azure.com. */
  url: string;
  /** The certificate authority (PEM) of the ARM endpoint's certificate, also written to `caFile`. */
  caCert: string;
  /** The local operations' base URL (`http://…/local`, a port of its own). */
  localUrl: string;
  close(): Promise<void>;
}

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The prefix of the local operations, apart from every ARM path (`/subscriptions/...`). */
export const LOCAL_PREFIX = '/local';
const MAX_BODY_BYTES = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ControlError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new ControlError(400, 'body must be a JSON object');
  }
}

interface LocalRoute {
  method: string;
  template: RouteTemplate;
  answer(req: IncomingMessage): Promise<{ status: number; body: unknown }>;
}

/** The local operations, one row each, matched by the route templates the hosts and the gateway use. */
function localRoutes(local: LocalControl): LocalRoute[] {
  const row = (method: string, path: string, answer: LocalRoute['answer']): LocalRoute => ({ method, template: parseRouteTemplate(path), answer });
  return [
    row('POST', 'faults/db', async (req) => ({ status: 201, body: { id: await local.addDatabaseFault((await readJson(req)) as unknown as FaultRule) } })),
    row('DELETE', 'faults/db', async () => {
      await local.clearDatabaseFaults();
      return { status: 200, body: {} };
    }),
    row('GET', 'state', async () => ({ status: 200, body: await local.state() })),
  ];
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * The control endpoints of the local stack, loopback only, every call with the stack's control
 * token as bearer. ARM (the twin of Azure Resource Manager, in front of the running processes) at
 * ARM's paths over HTTPS, which `patientctl --target local` uses through the Azure SDK exactly as
 * it uses Azure: the SDK sends a bearer token over HTTPS only. Its certificate comes from a CA made
 * at each start, whose certificate (public, no key) is written to `caFile` for patientctl to trust.
 * On a port of its own, over HTTP, under `/local`, what only the local stack has: database fault
 * injection and its state.
 */
export async function startControlServer(options: { host: string; port: number; arm: ArmTwinConfig; local: LocalControl; caFile: string }): Promise<ControlServer> {
  const arm = createArmTwin(options.arm);
  const routes = localRoutes(options.local);

  async function route(method: string, path: string, req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const matches = findBestMatch(routes, path);
    const found = matches.find((match) => match.entry.method === method);
    if (found) return found.entry.answer(req);
    throw matches.length > 0 ? new ControlError(405, 'method not allowed') : new ControlError(404, 'not found');
  }

  async function handleLocal(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const authorization = req.headers.authorization ?? '';
    const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
    let status: number;
    let body: unknown;
    try {
      if (!sameKey(token, options.arm.token)) throw new ControlError(401, 'missing or invalid control token');
      ({ status, body } = await route(req.method ?? 'GET', path, req));
    } catch (error) {
      status = error instanceof ControlError ? error.status : 500;
      body = { error: { message: error instanceof ControlError ? error.message : 'internal error' } };
    }
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  const tls = createLoopbackTls();
  writeFileSync(options.caFile, tls.caCert);
  const armServer = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    arm.handle(req, res).catch(() => res.destroy());
  });
  const localServer = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://control').pathname;
    if (path !== LOCAL_PREFIX && !path.startsWith(`${LOCAL_PREFIX}/`)) {
      // ARM is on its HTTPS port only, as Azure's.
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    handleLocal(req, res, path.slice(LOCAL_PREFIX.length)).catch(() => res.destroy());
  });
  const armPort = await listen(armServer, options.port, options.host);
  const localPort = await listen(localServer, 0, options.host).catch(async (error: unknown) => {
    await closeServer(armServer);
    throw error;
  });
  return {
    url: `https://${options.host}:${armPort}`,
    caCert: tls.caCert,
    localUrl: `http://${options.host}:${localPort}${LOCAL_PREFIX}`,
    close: async () => {
      await closeServer(armServer);
      await closeServer(localServer);
    },
  };
}
