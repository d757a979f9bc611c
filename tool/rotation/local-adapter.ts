import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStackError } from '../errors';
import { probeGateway } from './gateway-probe';
import type { CalleeApp, ProbeResult, RotationPort, SecretVersion } from './port';

/** The API Management subscription whose key verifies rotations (the stack declares the same one in Azure). */
const PROBE_SUBSCRIPTION = 'rotation-probe';

/** The parts of `<dataDir>/stack.json` (LocalStackInfo) rotation needs. */
interface LocalStackConnection {
  gatewayUrl: string;
  controlUrl: string;
  controlToken: string;
}

export interface LocalRotationPortOptions {
  dataDir: string;
  fetch?: typeof fetch;
}

async function readConnection(dataDir: string): Promise<LocalStackConnection> {
  let info: Partial<Record<string, unknown>>;
  let token: string;
  try {
    info = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as Partial<Record<string, unknown>>;
    token = (await readFile(join(dataDir, 'control-token'), 'utf8')).trim();
  } catch {
    throw new LocalStackError(`no local stack found in ${dataDir} (start one with: patientctl local up --data-dir ${dataDir})`);
  }
  const { gatewayUrl, controlUrl } = info;
  if (typeof gatewayUrl !== 'string' || typeof controlUrl !== 'string' || !token) {
    throw new LocalStackError(`${join(dataDir, 'stack.json')} is incomplete; restart the local stack`);
  }
  return { gatewayUrl, controlUrl: controlUrl.replace(/\/+$/, ''), controlToken: token };
}

/**
 * Rotation's port on the local stack: a client of its control API, which is
 * shaped like the Azure operations (host keys, versioned secrets with tags,
 * named-value and Key Vault reference refreshes). The rotation journal lives in
 * the secret's tags there too.
 */
export async function createLocalRotationPort(options: LocalRotationPortOptions): Promise<RotationPort> {
  const connection = await readConnection(options.dataDir);
  const fetchFn = options.fetch ?? fetch;

  async function control(method: string, path: string, body?: unknown, okStatuses: number[] = []): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetchFn(`${connection.controlUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${connection.controlToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new LocalStackError(`the local stack's control API is not reachable (${(error as Error).message}); is it running?`);
    }
    const text = await response.text();
    if (!response.ok && !okStatuses.includes(response.status)) {
      throw new LocalStackError(`control API ${method} ${path} answered ${response.status}`);
    }
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  const app = (name: CalleeApp) => `/apps/${name}`;

  return {
    description: `local stack in ${options.dataDir}`,

    async listHostKeys(name) {
      const { body } = await control('POST', `${app(name)}/host/listkeys`);
      return (body as { functionKeys?: Record<string, string> } | undefined)?.functionKeys ?? {};
    },

    async putHostKey(name, keyName, value) {
      await control('PUT', `${app(name)}/host/functionKeys/${encodeURIComponent(keyName)}`, { properties: { value } });
    },

    async deleteHostKey(name, keyName) {
      await control('DELETE', `${app(name)}/host/functionKeys/${encodeURIComponent(keyName)}`);
    },

    async readSecret(secretName): Promise<SecretVersion | undefined> {
      const { status, body } = await control('GET', `/secrets/${encodeURIComponent(secretName)}`, undefined, [404]);
      if (status === 404) return undefined;
      const secret = body as { value?: unknown; tags?: Record<string, string> };
      return { value: typeof secret.value === 'string' ? secret.value : '', tags: secret.tags ?? {} };
    },

    async writeSecret(secretName, version) {
      await control('PUT', `/secrets/${encodeURIComponent(secretName)}`, { value: version.value, tags: version.tags });
    },

    async refreshNamedValue(name) {
      await control('POST', `/named-values/${encodeURIComponent(name)}/refreshSecret`);
    },

    async refreshKeyVaultReferences(name) {
      await control('POST', `${app(name)}/config/configreferences/appsettings/refresh`);
    },

    async probeGateway(count): Promise<ProbeResult> {
      // The rotation-probe subscription, as in Azure: a busy consumer subscription's rate limit must not fail the verification.
      const { body } = await control('POST', `/subscriptions/${PROBE_SUBSCRIPTION}/listSecrets`);
      const subscriptionKey = (body as { primaryKey?: unknown } | undefined)?.primaryKey;
      if (typeof subscriptionKey !== 'string') throw new LocalStackError(`the local stack has no ${PROBE_SUBSCRIPTION} subscription key`);
      return probeGateway({ gatewayUrl: connection.gatewayUrl, subscriptionKey, fetch: fetchFn }, count);
    },

    readCallerKey() {
      return Promise.resolve(undefined);
    },
  };
}
