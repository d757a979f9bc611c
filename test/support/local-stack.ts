import { fork } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import type { AppName } from '../../contracts/apps';
import { API_VERSIONS } from '../../tool/azure/api-versions';
import { bootstrapLocalStack } from '../../tool/cli/local-keys';
import { readLocalStackStatus, readStoredSecret, runLocalStack, stopLocalStack, type LocalStackExtraOptions, type LocalStackInfo, type LocalStackState } from '../../twin/index';
import { gatewayClient, type GatewayClient } from './gateway-client';
import { send, type HttpReply } from './http';

export const REPO_ROOT = join(__dirname, '..', '..');
export { readStoredSecret };

/**
 * The one local stack fixture of the tests: the stack `patientctl local up` runs, either in this
 * process or as its own supervisor process (for kill -9 tests), started the same way (the first
 * keys bootstrapped by rotate-keys), reached the same way.
 */
export interface LocalStackFixture {
  info: LocalStackInfo;
  dataDir: string;
  /** What the supervisor printed (in this process), or its stdout when captured (own process). */
  lines: string[];
  gw: GatewayClient;
  /** The local operations: `/faults/db`, `/state`. */
  control(method: string, path: string, body?: unknown): Promise<HttpReply>;
  state(): Promise<LocalStackState>;
  /** An ARM call on the stack's ARM twin; `path` from `/subscriptions/…` or relative to an app's id (`patient-api:/host/default/listkeys`). */
  arm(method: string, path: string, apiVersion?: string, body?: unknown): Promise<HttpReply>;
  /** An app's host function keys, through ARM's listkeys. */
  hostKeys(app: AppName): Promise<Record<string, string>>;
  /** A secret's current value and tags, read from the Key Vault twin's file (ARM never answers a value). */
  secret(name: string): { value: string; tags: Record<string, string> };
  /** The pid of one of the stack's processes. */
  pid(process: string): Promise<number>;
  /** A process's state as the supervisor sees it (`up`, `down`, ...). */
  processState(process: string): Promise<string | undefined>;
  /** The stack's databases, read directly with the driver: from a subnet each account admits, with its key. */
  databases(): Promise<StackDatabases>;
  stop(): Promise<void>;
  /** A stack in its own process only: SIGKILL to its whole process group, nothing shuts down cleanly. */
  killGroup(): Promise<void>;
}

export interface StackDatabases {
  db(name: string): Db;
  close(): Promise<void>;
}

export interface StartOptions extends Partial<LocalStackExtraOptions> {
  /** Run the supervisor in a process (and process group) of its own. */
  ownProcess?: boolean;
  /** With `ownProcess`: keep what the supervisor and its children write to stdout. */
  captureStdout?: boolean;
}

/** What `patientctl local up` does on a first start: rotate-keys' bootstrap through the stack's ARM twin. */
export async function bootstrapLocalKeys(dataDir: string): Promise<void> {
  await bootstrapLocalStack(dataDir);
}

export function controlToken(dataDir: string): string {
  return readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A copy of contracts/ with some text of the API Management policy changed, for the stack's
 * `contractsDir` config: the program then declares the changed policy, as a user's change would.
 */
export function contractsWithPolicy(dir: string, replacements: [string, string][]): string {
  const copy = join(dir, 'contracts');
  cpSync(join(REPO_ROOT, 'contracts'), copy, { recursive: true });
  let policy = readFileSync(join(copy, 'apim-policy.xml'), 'utf8');
  for (const [from, to] of replacements) {
    if (!policy.includes(from)) throw new Error(`the contract policy no longer contains ${from}`);
    policy = policy.replace(from, to);
  }
  writeFileSync(join(copy, 'apim-policy.xml'), policy);
  return copy;
}

/** The policy's rate limit, raised so thousands of test requests reach the backend. */
export const UNLIMITED_RATE: [string, string] = ['calls="1200" renewal-period="60"', 'calls="1000000" renewal-period="60"'];

/**
 * A copy of the program (stacks/) with some of its text changed, as a developer would change it;
 * run it with the stack's `programDir`. It reads the repository's contracts and packages.
 */
export function programCopy(dir: string, edits: { file: string; from: string; to: string }[]): string {
  mkdirSync(dir, { recursive: true });
  const root = mkdtempSync(join(dir, 'program-'));
  cpSync(join(REPO_ROOT, 'stacks'), join(root, 'stacks'), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'contracts'), join(root, 'contracts'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  for (const edit of edits) {
    const file = join(root, 'stacks', edit.file);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(edit.from)) throw new Error(`stacks/${edit.file} no longer contains ${edit.from}`);
    writeFileSync(file, text.replace(edit.from, edit.to));
  }
  return join(root, 'stacks');
}

/** An address inside a /24 stand-in subnet other than the ones the stack itself uses. */
export function insideRange(range: string): string {
  return range.replace(/\.0\/24$/, '.77');
}

async function startInProcess(options: StartOptions, dataDir: string, lines: string[]): Promise<{ info: LocalStackInfo; stop(): Promise<void>; killGroup(): Promise<void> }> {
  const stack = await runLocalStack({ quiet: true, bootstrapKeys: () => bootstrapLocalKeys(dataDir), ...options, dataDir, port: 0 }, { log: (line) => lines.push(line) });
  return { info: stack.info, stop: () => stack.stop(), killGroup: () => Promise.reject(new Error('a stack in this process cannot be killed; start it with ownProcess')) };
}

async function startOwnProcess(options: StartOptions, dataDir: string, lines: string[]): Promise<{ info: LocalStackInfo; stop(): Promise<void>; killGroup(): Promise<void> }> {
  const { ownProcess: _own, captureStdout, ...extra } = options;
  const child = fork(join(__dirname, 'run-stack.ts'), [dataDir, JSON.stringify(extra)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'inherit', 'ipc'],
    detached: true,
  });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => lines.push(chunk));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const info = await new Promise<LocalStackInfo>((resolve, reject) => {
    child.once('message', (m: { ready?: LocalStackInfo; failed?: string }) => (m.ready ? resolve(m.ready) : reject(new Error(m.failed))));
    child.once('exit', (code) => reject(new Error(`the stack process exited during start-up (code ${code})`)));
  });
  return {
    info,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) await stopLocalStack(dataDir);
      await exited;
    },
    async killGroup() {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
  };
}

export async function startLocalStack(options: StartOptions = {}, dataDir = tempDir('local-stack')): Promise<LocalStackFixture> {
  const lines: string[] = [];
  const started = options.ownProcess ? await startOwnProcess(options, dataDir, lines) : await startInProcess(options, dataDir, lines);
  const { info } = started;
  const authorized = (url: string, method: string, body?: unknown) =>
    send(url, {
      method,
      headers: { authorization: `Bearer ${controlToken(dataDir)}`, 'content-type': 'application/json' },
      // The ARM endpoint is HTTPS with a certificate from the CA the stack makes at each start.
      ca: readFileSync(join(dataDir, 'control-ca.pem'), 'utf8'),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const appIds: Record<AppName, string> = { 'patient-api': info.patientApiAppId, 'audit-api': info.auditApiAppId };
  const arm: LocalStackFixture['arm'] = (method, path, apiVersion = API_VERSIONS.web, body) => {
    const [app, rest] = path.startsWith('/') ? [undefined, path] : (path.split(':') as [AppName, string]);
    return authorized(`${info.armUrl}${app ? appIds[app] : ''}${rest}?api-version=${apiVersion}`, method, body);
  };
  const state = async () => (await authorized(`${info.controlUrl}/state`, 'GET')).json<LocalStackState>();
  return {
    info,
    dataDir,
    lines,
    gw: gatewayClient(info),
    control: (method, path, body) => authorized(`${info.controlUrl}${path}`, method, body),
    state,
    arm,
    hostKeys: async (app) => (await arm('POST', `${app}:/host/default/listkeys`)).json<{ functionKeys: Record<string, string> }>().functionKeys,
    secret: (name) => readStoredSecret(dataDir, name),
    async pid(name) {
      const status = await readLocalStackStatus(dataDir);
      const pid = status.processes.find((p) => p.name === name)?.pid;
      if (pid === undefined) throw new Error(`no pid for ${name} (processes: ${JSON.stringify(status.processes)})`);
      return pid;
    },
    processState: async (name) => (await readLocalStackStatus(dataDir)).processes.find((p) => p.name === name)?.state,
    async databases() {
      const clients = new Map<string, MongoClient>();
      for (const account of (await state()).accounts) {
        const uri = readStoredSecret(dataDir, account.connectionSecret!).value;
        const localAddress = account.allowedSources?.[0] ? insideRange(account.allowedSources[0]) : undefined;
        const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000, ...(localAddress ? { localAddress } : {}) });
        for (const database of account.databases) clients.set(database, client);
      }
      return {
        db(name) {
          const client = clients.get(name);
          if (!client) throw new Error(`no account holds database ${name}`);
          return client.db(name);
        },
        close: async () => {
          for (const client of new Set(clients.values())) await client.close();
        },
      };
    },
    stop: () => started.stop(),
    killGroup: () => started.killGroup(),
  };
}
