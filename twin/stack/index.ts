import { readFileSync } from 'node:fs';
import { outboundEnvironment } from '../function-host/outside-process';
import { readJsonFile } from '../secrets/private-json-file';
import { SecretStore } from '../secrets/secret-store';
import type { LocalStackState } from './control/local-control';
import type { LocalStackInfo, ProcessStatus } from './local-stack';
import { runningSupervisorPid, stackPaths } from './stack-files';
import { probe, type Health } from './supervision/health';
import { AZURE_TO_LOCAL, nthAddress, type SubnetName } from './topology/azure-to-local';

export { runLocalStack } from './local-stack';
export type { LocalStackExtraOptions, LocalStackInfo, LocalStackOptions, ProcessStatus, RunningLocalStack } from './local-stack';
export type { LocalStackState } from './control/local-control';
export type { Health } from './supervision/health';
export { AZURE_TO_LOCAL } from './topology';

export interface LocalStackStatus {
  running: boolean;
  supervisorPid?: number;
  /** What stack.json says (keys included: the file is the user's own, mode 0600). */
  info?: LocalStackInfo;
  /** Each process as the supervisor sees it, and whether it answers at its address now. */
  processes: (ProcessStatus & { health: Health })[];
  /** The running stack's own account of itself (mapping, what is not emulated, warnings, accounts), from its control API. */
  state?: LocalStackState;
}

const STOP_WAIT_MS = 20_000;

/** Signals the supervisor running for this data directory to stop; false when none runs. */
export async function stopLocalStack(dataDir: string): Promise<boolean> {
  const pid = runningSupervisorPid(dataDir);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_WAIT_MS;
  while (Date.now() < deadline && runningSupervisorPid(dataDir) === pid) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** What runs where: the supervisor, and each process's pid, address, state (from the control API) and health (probed). */
export async function readLocalStackStatus(dataDir: string): Promise<LocalStackStatus> {
  const paths = stackPaths(dataDir);
  const pid = runningSupervisorPid(dataDir);
  const info = readJsonFile<LocalStackInfo | undefined>(paths.stackInfo, undefined);
  if (pid === undefined || !info) return { running: false, processes: [], ...(info ? { info } : {}) };
  try {
    const token = readFileSync(paths.controlToken, 'utf8').trim();
    const response = await fetch(`${info.controlUrl}/state`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`control API answered ${response.status}`);
    const state = (await response.json()) as LocalStackState;
    const processes = await Promise.all(state.processes.map(async (process) => ({ ...process, health: process.address ? await probe(process.address) : ('not answering' as const) })));
    return { running: true, supervisorPid: pid, info, processes, state };
  } catch {
    return { running: true, supervisorPid: pid, info, processes: [] };
  }
}

/**
 * A secret's latest value and tags as the stack's Key Vault twin keeps them on disk: what a test
 * on this machine may look at, which no ARM or data-plane call of the stack would answer.
 */
export function readStoredSecret(dataDir: string, name: string): { value: string; tags: Record<string, string> } {
  const secret = SecretStore.open(stackPaths(dataDir).keyVault).get(name);
  if (!secret) throw new Error(`no secret ${name} in ${dataDir}`);
  return { value: secret.value, tags: secret.tags };
}

/**
 * The environment that places a Node.js process the stack does not start (Azure Functions Core
 * Tools running one app) in a subnet: it connects from the subnet's third address, beside the host
 * of the site there, which listens on the first and connects from the second.
 */
export function outsideProcessEnvironment(subnet: SubnetName): Record<string, string> {
  return outboundEnvironment(nthAddress(AZURE_TO_LOCAL.subnets[subnet], 3));
}
