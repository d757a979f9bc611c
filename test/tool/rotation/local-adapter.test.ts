import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStackError } from '../../../tool/errors';
import { createLocalRotationPort } from '../../../tool/rotation/local-adapter';
import { rotateKeys } from '../../../tool/rotation/rotate-keys';

const TOKEN = 'control-token-123';

/** A stand-in for the local stack: its control API (docs/interfaces.md) and a gateway that checks both keys. */
function startFakeLocalStack() {
  const keys: Record<string, Map<string, string>> = {
    'patient-api': new Map([['caller-a', 'p0']]),
    'audit-api': new Map([['caller-a', 'a0']]),
  };
  const secrets = new Map<string, { value: string; tags: Record<string, string> }[]>([
    ['patient-api-host-key', [{ value: 'p0', tags: { slot: 'a', generation: '1' } }]],
    ['audit-api-host-key', [{ value: 'a0', tags: { slot: 'a', generation: '1' } }]],
  ]);
  const held = { gateway: 'p0', patientApi: 'a0' };
  const log: string[] = [];
  const gatewayStatuses: number[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
      const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      const send = (status: number, payload?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      if (path === '/gateway/patient/search') {
        const valid = [...keys['patient-api'].values()].includes(held.gateway) && [...keys['audit-api'].values()].includes(held.patientApi);
        // Only the rotation-probe subscription verifies: the consumer's key may be rate-limited by its own traffic.
        const status = req.headers['ocp-apim-subscription-key'] !== 'probe-key' ? 401 : valid ? 200 : 502;
        gatewayStatuses.push(status);
        return send(status, status === 200 ? [] : undefined);
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401);
      log.push(`${req.method} ${path}`);
      let m: RegExpMatchArray | null;
      if ((m = path.match(/^\/control\/apps\/([^/]+)\/host\/listkeys$/)) && req.method === 'POST') {
        return send(200, { functionKeys: Object.fromEntries(keys[m[1]]) });
      }
      if ((m = path.match(/^\/control\/apps\/([^/]+)\/host\/functionKeys\/([^/]+)$/))) {
        if (req.method === 'PUT') {
          const value = (body.properties as { value: string }).value;
          keys[m[1]].set(m[2], value);
          return send(200, { properties: { name: m[2], value } });
        }
        return send(keys[m[1]].delete(m[2]) ? 200 : 204);
      }
      if ((m = path.match(/^\/control\/secrets\/([^/]+)$/))) {
        const versions = secrets.get(m[1]) ?? [];
        if (req.method === 'PUT') {
          versions.push({ value: body.value as string, tags: body.tags as Record<string, string> });
          secrets.set(m[1], versions);
          return send(200, { id: `/secrets/${m[1]}/${versions.length}`, tags: body.tags });
        }
        const latest = versions.at(-1);
        return latest ? send(200, { id: `/secrets/${m[1]}/${versions.length}`, ...latest }) : send(404);
      }
      if (path === '/control/subscriptions/rotation-probe/listSecrets' && req.method === 'POST') {
        return send(200, { primaryKey: 'probe-key', secondaryKey: 'probe-key-2' });
      }
      if (path === '/control/named-values/patient-api-host-key/refreshSecret') {
        held.gateway = secrets.get('patient-api-host-key')!.at(-1)!.value;
        return send(200);
      }
      if (path === '/control/apps/patient-api/config/configreferences/appsettings/refresh') {
        held.patientApi = secrets.get('audit-api-host-key')!.at(-1)!.value;
        return send(200);
      }
      return send(404);
    });
  });
  return { server, keys, secrets, held, log, gatewayStatuses };
}

describe('local rotation port (control API client)', () => {
  let dataDir: string;
  let stack: ReturnType<typeof startFakeLocalStack>;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'patientctl-local-'));
    stack = startFakeLocalStack();
    await new Promise<void>((resolve) => stack.server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(stack.server.address() as AddressInfo).port}`;
    await writeFile(
      join(dataDir, 'stack.json'),
      JSON.stringify({ gatewayUrl: `${base}/gateway`, subscriptionKey: 'sub-key', controlUrl: `${base}/control` }),
    );
    await writeFile(join(dataDir, 'control-token'), `${TOKEN}\n`, { mode: 0o600 });
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => stack.server.close(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rotates both apps on the local stack through the control API, every probe succeeding', async () => {
    const port = await createLocalRotationPort({ dataDir });
    const result = await rotateKeys(
      { port, log: () => undefined, sleep: () => Promise.resolve() },
      { apps: ['patient-api', 'audit-api'], dryRun: false, graceSeconds: 0, probeCount: 2, verifyAttempts: 1, verifyIntervalSeconds: 0 },
    );
    expect(result.target).to.equal(`local stack in ${dataDir}`);
    expect(result.apps.map((app) => app.toSlot)).to.deep.equal(['b', 'b']);
    expect([...stack.keys['patient-api'].keys()]).to.deep.equal(['caller-b']);
    expect([...stack.keys['audit-api'].keys()]).to.deep.equal(['caller-b']);
    expect(stack.held.gateway).to.equal(stack.keys['patient-api'].get('caller-b'));
    expect(stack.held.patientApi).to.equal(stack.keys['audit-api'].get('caller-b'));
    expect(stack.gatewayStatuses.length).to.be.greaterThan(0);
    expect(stack.gatewayStatuses.every((status) => status === 200)).to.equal(true);
    expect(stack.log).to.include('POST /control/apps/audit-api/host/listkeys');
    expect(stack.log).to.include('POST /control/apps/patient-api/config/configreferences/appsettings/refresh');
    expect(stack.secrets.get('audit-api-host-key')!.at(-1)!.tags).to.deep.equal({ slot: 'b', generation: '2', rotation: 'complete' });
  });

  it('says clearly when no local stack is running in the data directory', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'patientctl-none-'));
    try {
      const error = await createLocalRotationPort({ dataDir: empty }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LocalStackError);
      expect((error as Error).message).to.match(/no local stack found/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('reports a refused control call without the token', async () => {
    await writeFile(join(dataDir, 'control-token'), 'wrong-token');
    const port = await createLocalRotationPort({ dataDir });
    const error = await port.listHostKeys('audit-api').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LocalStackError);
    expect((error as Error).message).to.equal('control API POST /apps/audit-api/host/listkeys answered 401');
  });
});
