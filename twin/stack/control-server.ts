import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultRule } from '../mongo';
import { sameKey } from '../secrets/constant-time';
import { APP_NAMES, type AppName } from '../secrets/host-key-store';
import { closeServer } from '../http/server-lifecycle';

/** What the control API can do to the running stack; the supervisor implements it. */
export interface StackControl {
  listHostKeys(app: AppName): Record<string, string>;
  setHostKey(app: AppName, name: string, value?: string): Promise<{ created: boolean; value: string }>;
  deleteHostKey(app: AppName, name: string): Promise<boolean>;
  setSecret(name: string, value: string, tags?: Record<string, string>): { id: string; tags: Record<string, string> };
  getSecret(name: string): { id: string; value: string; tags: Record<string, string> } | undefined;
  /** False when no named value of that name exists. */
  refreshNamedValue(name: string): Promise<boolean>;
  refreshAppSettings(app: AppName): Promise<void>;
  /** Keys of an API Management subscription, as ARM's `subscriptions/{id}/listSecrets` answers; undefined when unknown. */
  listSubscriptionSecrets(id: string): { primaryKey: string; secondaryKey: string } | undefined;
  addDatabaseFault(rule: FaultRule): Promise<string>;
  clearDatabaseFaults(): Promise<void>;
  state(): unknown;
}

export interface ControlServer {
  url: string;
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

const MAX_BODY_BYTES = 64 * 1024;
const KEY_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

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

function appName(value: string): AppName {
  if (!(APP_NAMES as readonly string[]).includes(value)) throw new ControlError(404, `unknown app "${value}"`);
  return value as AppName;
}

function stringRecord(value: unknown, what: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new ControlError(400, `${what} must be an object of strings`);
  }
  return value as Record<string, string>;
}

/**
 * The control API: the local counterpart of the Azure management operations key rotation uses
 * (DESIGN §8), plus database fault injection. Loopback only; every call needs the admin token.
 */
export async function startControlServer(options: { host: string; port: number; token: string; control: StackControl }): Promise<ControlServer> {
  const { control } = options;

  async function route(method: string, parts: string[], req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const [first, second, third, fourth, fifth, ...rest] = parts;
    if (first === 'apps' && second && third === 'host' && fourth === 'listkeys' && !fifth && method === 'POST') {
      return { status: 200, body: { functionKeys: control.listHostKeys(appName(second)) } };
    }
    if (first === 'apps' && second && third === 'host' && fourth === 'functionKeys' && fifth && rest.length === 0) {
      const app = appName(second);
      if (!KEY_NAME.test(fifth)) throw new ControlError(400, 'invalid key name');
      if (method === 'PUT') {
        const body = await readJson(req);
        const properties = (body.properties ?? {}) as Record<string, unknown>;
        if (properties.value !== undefined && (typeof properties.value !== 'string' || properties.value.length < 16)) {
          throw new ControlError(400, 'properties.value must be a string of at least 16 characters');
        }
        const result = await control.setHostKey(app, fifth, properties.value);
        return { status: result.created ? 201 : 200, body: { properties: { name: fifth, value: result.value } } };
      }
      if (method === 'DELETE') return { status: (await control.deleteHostKey(app, fifth)) ? 200 : 204 };
    }
    if (first === 'apps' && second && parts.slice(2).join('/') === 'config/configreferences/appsettings/refresh' && method === 'POST') {
      await control.refreshAppSettings(appName(second));
      return { status: 200, body: {} };
    }
    if (first === 'secrets' && second && !third) {
      if (method === 'PUT') {
        const body = await readJson(req);
        if (typeof body.value !== 'string') throw new ControlError(400, 'value must be a string');
        try {
          return { status: 200, body: control.setSecret(second, body.value, stringRecord(body.tags, 'tags')) };
        } catch (error) {
          throw new ControlError(400, (error as Error).message);
        }
      }
      if (method === 'GET') {
        const secret = control.getSecret(second);
        if (!secret) throw new ControlError(404, `secret "${second}" not found`);
        return { status: 200, body: secret };
      }
    }
    if (first === 'named-values' && second && third === 'refreshSecret' && !fourth && method === 'POST') {
      if (!(await control.refreshNamedValue(second))) throw new ControlError(404, `named value "${second}" not found`);
      return { status: 200, body: {} };
    }
    if (first === 'subscriptions' && second && third === 'listSecrets' && !fourth && method === 'POST') {
      const secrets = control.listSubscriptionSecrets(second);
      if (!secrets) throw new ControlError(404, `subscription "${second}" not found`);
      return { status: 200, body: secrets };
    }
    if (first === 'faults' && second === 'db' && !third) {
      if (method === 'POST') return { status: 201, body: { id: await control.addDatabaseFault((await readJson(req)) as unknown as FaultRule) } };
      if (method === 'DELETE') {
        await control.clearDatabaseFaults();
        return { status: 200, body: {} };
      }
    }
    if (first === 'state' && !second && method === 'GET') return { status: 200, body: control.state() };
    throw new ControlError(404, 'not found');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const authorization = req.headers.authorization ?? '';
    const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
    let status: number;
    let body: unknown;
    try {
      if (!sameKey(token, options.token)) throw new ControlError(401, 'missing or invalid control token');
      const url = new URL(req.url ?? '/', 'http://control');
      const parts = url.pathname.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
      ({ status, body } = await route(req.method ?? 'GET', parts, req));
    } catch (error) {
      status = error instanceof ControlError ? error.status : 500;
      body = { error: { message: error instanceof ControlError ? error.message : 'internal error' } };
    }
    req.resume();
    if (body === undefined) {
      res.writeHead(status);
      res.end();
    } else {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${address.port}`,
    close: () => closeServer(server),
  };
}
