import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppName } from '../../../contracts/apps';
import { createArmClient } from '../../../tool/azure/arm-client';
import { API_VERSIONS } from '../../../tool/azure/api-versions';
import { createAzureRotationPort } from '../../../tool/azure/azure-rotation-port';
import { ensureLocalKeys } from '../../../tool/cli/local-keys';
import { SecretStore } from '../../../twin/secrets/secret-store';
import { runLocalStack, type LocalStackExtraOptions, type RunningLocalStack } from '../../../twin/stack';
import { call, type Reply } from '../support';

export interface StackFixture {
  stack: RunningLocalStack;
  dataDir: string;
  lines: string[];
  /** The local operations: `/faults/db`, `/state`. */
  control(method: string, path: string, body?: unknown): Promise<Reply>;
  /** An ARM call on the stack's ARM twin; `path` from `/subscriptions/…` or relative to an app's id (`patient-api:/host/default/listkeys`). */
  arm(method: string, path: string, apiVersion?: string, body?: unknown): Promise<Reply>;
  /** An app's host function keys, through ARM's listkeys. */
  hostKeys(app: AppName): Promise<Record<string, string>>;
  /** A secret's current value and tags, read from the secret store's file (ARM never answers a value). */
  secret(name: string): { value: string; tags: Record<string, string> };
  gateway(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<Reply>;
  close(): Promise<void>;
}

/** What `patientctl local up` does on a first start: rotate-keys' bootstrap through the stack's ARM twin. */
export async function bootstrapLocalKeys(dataDir: string): Promise<void> {
  const deps = { armClient: createArmClient, rotationPort: createAzureRotationPort, sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)) };
  await ensureLocalKeys(deps, dataDir, () => undefined);
}

export function readStoredSecret(dataDir: string, name: string): { value: string; tags: Record<string, string> } {
  const secret = SecretStore.open(join(dataDir, 'secrets', 'key-vault.json')).get(name);
  if (!secret) throw new Error(`no secret ${name} in ${dataDir}`);
  return { value: secret.value, tags: secret.tags };
}

export async function startStackFixture(options: Partial<LocalStackExtraOptions> = {}, dataDir = mkdtempSync(join(tmpdir(), 'local-stack-'))): Promise<StackFixture> {
  const lines: string[] = [];
  const stack = await runLocalStack(
    { dataDir, port: 0, quiet: true, bootstrapKeys: () => bootstrapLocalKeys(dataDir), ...options },
    { log: (line) => lines.push(line) },
  );
  const token = readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
  const ca = readFileSync(join(dataDir, 'control-ca.pem'), 'utf8');
  const authorized = (url: string, method: string, body?: unknown) =>
    call(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ca,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const appIds: Record<AppName, string> = { 'patient-api': stack.info.patientApiAppId, 'audit-api': stack.info.auditApiAppId };
  const arm: StackFixture['arm'] = (method, path, apiVersion = API_VERSIONS.web, body) => {
    const [app, rest] = path.startsWith('/') ? [undefined, path] : (path.split(':') as [AppName, string]);
    return authorized(`${stack.info.armUrl}${app ? appIds[app] : ''}${rest}?api-version=${apiVersion}`, method, body);
  };
  return {
    stack,
    dataDir,
    lines,
    control: (method, path, body) => authorized(`${stack.info.controlUrl}${path}`, method, body),
    arm,
    hostKeys: async (app) => (await arm('POST', `${app}:/host/default/listkeys`)).json<{ functionKeys: Record<string, string> }>().functionKeys,
    secret: (name) => readStoredSecret(dataDir, name),
    gateway: (method, path, opts = {}) =>
      call(`${stack.info.gatewayUrl}${path}`, {
        method,
        headers: {
          ...(opts.key === undefined ? { 'ocp-apim-subscription-key': stack.info.subscriptionKey } : opts.key ? { 'ocp-apim-subscription-key': opts.key } : {}),
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(opts.headers ?? {}),
        },
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      }),
    close: async () => {
      await stack.stop();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function logLines(dataDir: string, process: string): Record<string, unknown>[] {
  return readFileSync(join(dataDir, 'logs', `${process}.log`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
