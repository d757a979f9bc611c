import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStackExtraOptions, LocalStackInfo } from '../../../twin/stack';
import { readLocalStackStatus, stopLocalStack } from '../../../twin/stack';
import { send, type HttpReply } from './http-client';

const REPO = join(__dirname, '..', '..', '..');

/** A copy of the contract policy with some attribute values changed, written into `dir`. */
export function policyCopy(dir: string, replacements: [string, string][]): string {
  let policy = readFileSync(join(REPO, 'contracts', 'apim-policy.xml'), 'utf8');
  for (const [from, to] of replacements) {
    if (!policy.includes(from)) throw new Error(`the contract policy no longer contains ${from}`);
    policy = policy.replace(from, to);
  }
  const file = join(dir, 'policy.xml');
  writeFileSync(file, policy);
  return file;
}

/** The policy's rate limit, raised so thousands of test requests reach the backend. */
export const UNLIMITED_RATE: [string, string] = ['calls="1200" renewal-period="60"', 'calls="1000000" renewal-period="60"'];

export interface StackProcess {
  child: ChildProcess;
  info: LocalStackInfo;
  /** Everything the supervisor and its children wrote to stdout, when captured. */
  stdout: string[];
  exited: Promise<void>;
  /** SIGKILL to the supervisor's whole process group: the stack dies at once, nothing shuts down cleanly. */
  killGroup(): Promise<void>;
  /** A clean stop, as `patientctl local down` does. */
  stop(): Promise<void>;
}

/** Starts a local stack as a separate supervisor process in a process group of its own. */
export async function startStackProcess(dataDir: string, extra: Partial<LocalStackExtraOptions> = {}, captureStdout = false): Promise<StackProcess> {
  const child = fork(join(__dirname, '..', '..', 'twin', 'fixtures', 'run-stack.ts'), [dataDir, JSON.stringify(extra)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'inherit', 'ipc'],
    detached: true,
  });
  const stdout: string[] = [];
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => stdout.push(chunk));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const info = await new Promise<LocalStackInfo>((resolve, reject) => {
    child.once('message', (m: { ready?: LocalStackInfo; failed?: string }) => (m.ready ? resolve(m.ready) : reject(new Error(m.failed))));
    child.once('exit', (code) => reject(new Error(`the stack process exited during start-up (code ${code})`)));
  });
  return {
    child,
    info,
    stdout,
    exited,
    async killGroup() {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) await stopLocalStack(dataDir);
      await exited;
    },
  };
}

export function controlToken(dataDir: string): string {
  return readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
}

/** A call to the stack's control API with its admin token. */
export function control(dataDir: string, info: LocalStackInfo, method: string, path: string, body?: unknown): Promise<HttpReply> {
  return send(`${info.controlUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${controlToken(dataDir)}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** An ARM call on the stack's ARM twin (`path` an ARM id and operation), with the control token as bearer. */
export function arm(dataDir: string, info: LocalStackInfo, method: string, path: string, apiVersion: string): Promise<HttpReply> {
  const ca = readFileSync(join(dataDir, 'control-ca.pem'), 'utf8');
  return send(`${info.armUrl}${path}?api-version=${apiVersion}`, { method, headers: { authorization: `Bearer ${controlToken(dataDir)}` }, ca });
}

export async function processPid(dataDir: string, name: string): Promise<number> {
  const status = await readLocalStackStatus(dataDir);
  const pid = status.processes.find((p) => p.name === name)?.pid;
  if (pid === undefined) throw new Error(`no pid for ${name} (state: ${JSON.stringify(status.processes)})`);
  return pid;
}

export async function processState(dataDir: string, name: string): Promise<string | undefined> {
  return (await readLocalStackStatus(dataDir)).processes.find((p) => p.name === name)?.state;
}

/** The twin's address, for reading its databases directly with the official driver. */
export async function databaseUri(dataDir: string): Promise<string> {
  const address = (await readLocalStackStatus(dataDir)).processes.find((p) => p.name === 'db')?.address;
  if (address === undefined) throw new Error('the stack runs no database twin');
  return `mongodb://${address}/?directConnection=true`;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
