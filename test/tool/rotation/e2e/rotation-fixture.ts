import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_KEY_SECRET } from '../../../../contracts/secrets';
import { createAuditApiApp } from '../../../../functions/audit-api/src/app';
import { createPatientApiApp } from '../../../../functions/patient-api/src/app';
import { createArmClient } from '../../../../tool/azure/arm-client';
import { createAzureRotationPort } from '../../../../tool/azure/azure-rotation-port';
import type { CliDeps } from '../../../../tool/cli/deps';
import { runCli } from '../../../../tool/cli/program';
import type { CalleeApp, RotationPort } from '../../../../tool/rotation/port';
import { send } from '../../../support/http';
import { contractsWithPolicy, REPO_ROOT, removeDir, startLocalStack, UNLIMITED_RATE, type LocalStackFixture } from '../../../support/local-stack';

export { REPO_ROOT };

/** Settings that let the apps build their route tables; nothing connects until a request arrives. */
const NAMING_SETTINGS: Record<string, string> = {
  AUDIT_API_URL: 'http://127.0.0.1:9/api',
  AUDIT_API_KEY: 'unused',
  SEARCH_HASH_KEY: 'unused',
  PATIENTS_DB_CONNECTION: 'mongodb://127.0.0.1:9',
  PATIENTS_DB_NAME: 'patients',
  AUDIT_DB_CONNECTION: 'mongodb://127.0.0.1:9',
  AUDIT_DB_NAME: 'audit',
};

/** The functions each app registers with its host (what ARM's ListFunctions answers), from the apps' own route tables. */
export function functionNames(): Record<CalleeApp, string[]> {
  const apps = { 'patient-api': createPatientApiApp((name) => NAMING_SETTINGS[name]), 'audit-api': createAuditApiApp((name) => NAMING_SETTINGS[name]) };
  for (const app of Object.values(apps)) void app.close();
  return { 'patient-api': apps['patient-api'].routes.map((r) => r.name), 'audit-api': apps['audit-api'].routes.map((r) => r.name) };
}

/**
 * The contracts with only the policy's per-subscription rate limit raised. The real limit
 * (1200 calls a minute per subscription) is reached by the load within seconds; its 429s would
 * hide whether requests survive the rotation, and would also starve the rotation's probe,
 * which shares the consumer subscription on the local stack. Everything else is the contract.
 */
export function contractsWithoutRateLimit(dir: string): string {
  return contractsWithPolicy(dir, [UNLIMITED_RATE]);
}

export interface RotationStack extends LocalStackFixture {
  /** Holds the derived policy; removed with the stack's data. */
  workDir: string;
  /** The value and tags of the app's host-key secret (from the store's file: ARM never answers a value). */
  appSecret(app: CalleeApp): Promise<{ value: string; tags: Record<string, string> }>;
  /** Host key names of both apps, from the control API's GET /state. */
  keyNames(): Promise<Record<CalleeApp, string[]>>;
  /** The Patient API called directly, as the gateway does: from the APIM range, with a function key. */
  callPatientApi(key: string): Promise<number>;
  /** The Audit API called directly, as the Patient API does: from the Patient API range, with a function key. */
  callAuditApi(key: string): Promise<number>;
  /** One search through the gateway (needs both callers' keys). */
  probeGateway(): Promise<number>;
  dispose(): Promise<void>;
}

export async function startRotationStack(): Promise<RotationStack> {
  const workDir = mkdtempSync(join(tmpdir(), 'rotation-e2e-'));
  const dataDir = join(workDir, 'data');
  const fixture = await startLocalStack({ config: { contractsDir: contractsWithoutRateLimit(workDir) } }, dataDir);
  const info = fixture.info;
  const controlJson = async <T>(method: string, path: string): Promise<T> => {
    const reply = await fixture.control(method, path);
    if (reply.status !== 200) throw new Error(`control API ${method} ${path} answered ${reply.status}`);
    return reply.json<T>();
  };
  return {
    ...fixture,
    workDir,
    appSecret: (app) => Promise.resolve(fixture.secret(HOST_KEY_SECRET[app])),
    keyNames: async () => (await controlJson<{ hostKeyNames: Record<CalleeApp, string[]> }>('GET', '/state')).hostKeyNames,
    callPatientApi: async (key) =>
      (
        await send(`${info.patientApiUrl}/patient/search`, {
          method: 'POST',
          headers: { 'x-functions-key': key, 'x-apim-subscription-id': 'rotation-e2e', 'content-type': 'application/json' },
          body: JSON.stringify({ id: '00000000-0000-4000-8000-000000000000' }),
          localAddress: '127.0.1.77',
        })
      ).status,
    callAuditApi: async (key) =>
      (await send(`${info.auditApiUrl}/auditrecord?resourceId=rotation-e2e`, { headers: { 'x-functions-key': key }, localAddress: '127.0.2.77' })).status,
    probeGateway: async () => (await fixture.gw.json('POST', '/patient/search', { id: '00000000-0000-4000-8000-000000000000' }, { key: info.complianceSubscriptionKey })).status,
    dispose: async () => {
      await fixture.stop();
      removeDir(workDir);
    },
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `patientctl` as a user runs it: its own node process, the TypeScript entry through tsx. */
export function runPatientctlProcess(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'tool', 'cli', 'main.ts'), ...args],
      { cwd: REPO_ROOT, timeout: timeoutMs, env: withoutTelemetry(process.env), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolvePromise({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

export interface PatientctlProcess {
  child: ChildProcess;
  /** Resolves when the process has ended, with everything it wrote. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;
}

/**
 * `patientctl` in its own process, as a user starts it, with its output handed to `onOutput` as
 * it arrives (e.g. to act on a progress line, or to see a long-running `local up` become ready).
 */
export function startPatientctlProcess(args: string[], onOutput: (stream: 'stdout' | 'stderr', text: string) => void = () => undefined, timeoutMs = 120_000): PatientctlProcess {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'tool', 'cli', 'main.ts'), ...args], {
    cwd: REPO_ROOT,
    env: withoutTelemetry(process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const output = { stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (text: string) => {
      output[stream] += text;
      onOutput(stream, text);
    });
  }
  const ended = new Promise<Awaited<PatientctlProcess['ended']>>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, ...output, ms: Date.now() - started });
    });
  });
  return { child, ended };
}

/**
 * `patientctl` in its own process, killed with SIGKILL as soon as its progress on stderr matches
 * `killWhen`: a crash with no chance to clean up. Resolves with the signal (or exit code) it ended with.
 */
export async function killPatientctlProcessWhen(args: string[], killWhen: RegExp, timeoutMs = 60_000): Promise<{ signal: string | null; code: number | null; stderr: string }> {
  let stderr = '';
  const run = startPatientctlProcess(
    args,
    (stream, text) => {
      if (stream !== 'stderr') return;
      stderr += text;
      if (killWhen.test(stderr)) run.child.kill('SIGKILL');
    },
    timeoutMs,
  );
  const { signal, code } = await run.ended;
  return { signal, code, stderr };
}

function withoutTelemetry(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.APPLICATIONINSIGHTS_CONNECTION_STRING;
  return copy;
}

/**
 * `patientctl` in this process with the real rotation port on the local stack's ARM twin,
 * optionally wrapped (e.g. to crash it). Only what `rotate-keys --target local` touches is
 * provided; the rest refuses.
 */
export async function runPatientctlInProcess(args: string[], wrapPort: (port: RotationPort) => RotationPort = (port) => port): Promise<CliRun> {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  const unused = (what: string) => () => {
    throw new Error(`${what} is not part of rotate-keys --target local`);
  };
  const deps: CliDeps = {
    io: { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
    version: '0.0.0',
    packages: unused('packages'),
    uploadPackage: unused('uploadPackage'),
    repoRoot: REPO_ROOT,
    stdinIsTTY: false,
    ask: unused('ask'),
    pulumi: { workDir: REPO_ROOT, pulumiCommand: unused('pulumi') },
    armClient: createArmClient,
    rotationPort: (options) => wrapPort(createAzureRotationPort(options)),
    localStack: unused('localStack'),
    sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
    waitForShutdownSignal: unused('waitForShutdownSignal'),
    onShutdownSignal: unused('onShutdownSignal'),
  };
  const code = await runCli(args, deps);
  return { code, stdout, stderr, ms: Date.now() - started };
}

export interface RotateJson {
  ok: boolean;
  apps?: { app: CalleeApp; outcome: string; fromSlot: string | null; toSlot: string; generation: number }[];
  error?: { type: string; message: string; exitCode: number };
}

export function parseJsonOutput(run: CliRun): RotateJson {
  try {
    return JSON.parse(run.stdout) as RotateJson;
  } catch {
    throw new Error(`patientctl printed no JSON document (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
}
