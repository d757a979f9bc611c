import { readFileSync } from 'node:fs';
import { readJsonFile } from '../secrets/private-json-file';
import type { LocalStackInfo, ProcessStatus } from './local-stack';
import { runningSupervisorPid, stackPaths } from './stack-files';

export { runLocalStack } from './local-stack';
export type { LocalStackExtraOptions, LocalStackInfo, LocalStackOptions, ProcessStatus, RunningLocalStack } from './local-stack';

export interface LocalStackStatus {
  running: boolean;
  supervisorPid?: number;
  /** What stack.json says (keys included: the file is the user's own, mode 0600). */
  info?: LocalStackInfo;
  processes: ProcessStatus[];
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

/** What runs where: the supervisor, and each process's pid, address and state (from the control API). */
export async function readLocalStackStatus(dataDir: string): Promise<LocalStackStatus> {
  const paths = stackPaths(dataDir);
  const pid = runningSupervisorPid(dataDir);
  const info = readJsonFile<LocalStackInfo | undefined>(paths.stackInfo, undefined);
  if (pid === undefined || !info) return { running: false, processes: [], ...(info ? { info } : {}) };
  try {
    const token = readFileSync(paths.controlToken, 'utf8').trim();
    const response = await fetch(`${info.controlUrl}/state`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`control API answered ${response.status}`);
    const state = (await response.json()) as { processes: ProcessStatus[] };
    return { running: true, supervisorPid: pid, info, processes: state.processes };
  } catch {
    return { running: true, supervisorPid: pid, info, processes: [] };
  }
}
