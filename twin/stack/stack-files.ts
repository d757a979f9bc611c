import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the local stack keeps its state under the data directory. */
export function stackPaths(dataDir: string) {
  return {
    stackInfo: join(dataDir, 'stack.json'),
    pidFile: join(dataDir, 'stack.pid'),
    controlToken: join(dataDir, 'control-token'),
    /** The CA certificate (public) of the ARM endpoint's HTTPS certificate, made at each start. */
    controlCa: join(dataDir, 'control-ca.pem'),
    keyVault: join(dataDir, 'secrets', 'key-vault.json'),
    /** One function app's key documents (its Functions host's secrets repository). */
    hostKeys: (app: string) => join(dataDir, 'secrets', `function-host-keys-${app}.json`),
    subscriptions: join(dataDir, 'secrets', 'apim-subscriptions.json'),
    /** The key of each Cosmos DB account twin. */
    accountKeys: join(dataDir, 'secrets', 'cosmos-account-keys.json'),
    /** Every account twin's data, one folder each. */
    databases: join(dataDir, 'db'),
    database: (process: string) => join(dataDir, 'db', process),
    /** Where a site's package is unpacked (its wwwroot). */
    sitePackage: (process: string) => join(dataDir, 'sites', process),
    logs: join(dataDir, 'logs'),
    log: (process: string) => join(dataDir, 'logs', `${process}.log`),
  };
}

/** The supervisor's pid when one is running for this data directory. */
export function runningSupervisorPid(dataDir: string): number | undefined {
  const file = stackPaths(dataDir).pidFile;
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Finds `contracts/` by walking up from here: the same files in a source tree and under `dist/`. */
export function contractsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i += 1) {
    const candidate = join(dir, 'contracts');
    if (existsSync(join(candidate, 'apim-policy.xml'))) return candidate;
    dir = join(dir, '..');
  }
  throw new Error('cannot find contracts/apim-policy.xml above the local stack');
}

/** The repository root: the folder holding `contracts/` (apps are loaded relative to it). */
export function sourceRoot(): string {
  return join(contractsDir(), '..');
}
