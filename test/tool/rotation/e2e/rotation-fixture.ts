import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliDeps } from '../../../../tool/cli/deps';
import { runCli } from '../../../../tool/cli/program';
import { createLocalRotationPort } from '../../../../tool/rotation/local-adapter';
import type { CalleeApp, RotationPort } from '../../../../tool/rotation/port';
import { removeDir, startStackFixture, type StackFixture } from '../../../twin/stack/stack-fixture';
import { call } from '../../../twin/support';

export const REPO_ROOT = resolve(__dirname, '../../../..');

/**
 * The contract's policy with only the per-subscription rate limit raised. The real limit
 * (1200 calls a minute per subscription) is reached by the load within seconds; its 429s would
 * hide whether requests survive the rotation, and would also starve the rotation's probe,
 * which shares the consumer subscription on the local stack. Everything else is the contract.
 */
export function policyWithoutRateLimit(dir: string): string {
  const contract = readFileSync(join(REPO_ROOT, 'contracts', 'apim-policy.xml'), 'utf8');
  const raised = contract.replace(/<rate-limit-by-key calls="\d+"/, '<rate-limit-by-key calls="10000000"');
  if (raised === contract) throw new Error('contracts/apim-policy.xml has no rate-limit-by-key calls="N" to raise');
  const file = join(dir, 'apim-policy-load.xml');
  writeFileSync(file, raised);
  return file;
}

export interface RotationStack extends StackFixture {
  /** Holds the derived policy; removed with the stack's data. */
  workDir: string;
  hostKeys(app: CalleeApp): Promise<Record<string, string>>;
  secret(app: CalleeApp): Promise<{ value: string; tags: Record<string, string> }>;
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

export const SECRET: Record<CalleeApp, string> = { 'patient-api': 'patient-api-host-key', 'audit-api': 'audit-api-host-key' };

export async function startRotationStack(): Promise<RotationStack> {
  const workDir = mkdtempSync(join(tmpdir(), 'rotation-e2e-'));
  const dataDir = join(workDir, 'data');
  const fixture = await startStackFixture({ policyFile: policyWithoutRateLimit(workDir) }, dataDir);
  const info = fixture.stack.info;
  const controlJson = async <T>(method: string, path: string): Promise<T> => {
    const reply = await fixture.control(method, path);
    if (reply.status !== 200) throw new Error(`control API ${method} ${path} answered ${reply.status}`);
    return reply.json<T>();
  };
  return {
    ...fixture,
    workDir,
    hostKeys: async (app) => (await controlJson<{ functionKeys: Record<string, string> }>('POST', `/apps/${app}/host/listkeys`)).functionKeys,
    secret: (app) => controlJson<{ value: string; tags: Record<string, string> }>('GET', `/secrets/${SECRET[app]}`),
    keyNames: async () => (await controlJson<{ hostKeyNames: Record<CalleeApp, string[]> }>('GET', '/state')).hostKeyNames,
    callPatientApi: async (key) =>
      (
        await call(`${info.patientApiUrl}/patient/search`, {
          method: 'POST',
          headers: { 'x-functions-key': key, 'x-apim-subscription-id': 'rotation-e2e', 'content-type': 'application/json' },
          body: JSON.stringify({ id: '00000000-0000-4000-8000-000000000000' }),
          localAddress: '127.0.1.77',
        })
      ).status,
    callAuditApi: async (key) =>
      (await call(`${info.auditApiUrl}/auditrecord?resourceId=rotation-e2e`, { headers: { 'x-functions-key': key }, localAddress: '127.0.2.77' })).status,
    probeGateway: async () =>
      (await fixture.gateway('POST', '/patient/search', { key: info.complianceSubscriptionKey, body: { id: '00000000-0000-4000-8000-000000000000' } })).status,
    dispose: async () => {
      await fixture.close();
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

/**
 * `patientctl` in its own process, killed with SIGKILL as soon as its progress on stderr matches
 * `killWhen`: a crash with no chance to clean up. Resolves with the signal (or exit code) it ended with.
 */
export function killPatientctlProcessWhen(args: string[], killWhen: RegExp, timeoutMs = 60_000): Promise<{ signal: string | null; code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'tool', 'cli', 'main.ts'), ...args], {
      cwd: REPO_ROOT,
      env: withoutTelemetry(process.env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
      if (killWhen.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ signal, code, stderr });
    });
  });
}

function withoutTelemetry(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.APPLICATIONINSIGHTS_CONNECTION_STRING;
  return copy;
}

/**
 * `patientctl` in this process with the real local rotation port, optionally wrapped (e.g. to
 * crash it). Only what `rotate-keys --target local` touches is provided; the rest refuses.
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
    repoRoot: REPO_ROOT,
    stdinIsTTY: false,
    ask: unused('ask'),
    pulumi: { workDir: REPO_ROOT, pulumiCommand: unused('pulumi') },
    bundleApps: unused('bundleApps'),
    createAzurePort: unused('createAzurePort'),
    createLocalPort: async (dataDir) => wrapPort(await createLocalRotationPort({ dataDir: resolve(REPO_ROOT, dataDir) })),
    localStack: unused('localStack'),
    sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
    waitForShutdownSignal: unused('waitForShutdownSignal'),
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
