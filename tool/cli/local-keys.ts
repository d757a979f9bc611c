import { createArmClient } from '../azure/arm-client';
import { createAzureRotationPort } from '../azure/azure-rotation-port';
import { rotateKeys, type RotationResult } from '../rotation/rotate-keys';
import { localRotationPort, rotateLocalStack, TARGET_DEFAULTS } from './commands/rotate-keys';
import type { CliDeps } from './deps';

/**
 * Makes sure a running local stack has its host keys: when its secrets hold none (a first start,
 * as Azure after the first deploy), the bootstrap of `rotate-keys` issues them, through the same
 * code and the same ARM calls; otherwise nothing changes. Answers what was bootstrapped.
 */
export async function ensureLocalKeys(
  deps: Pick<CliDeps, 'armClient' | 'rotationPort' | 'sleep'>,
  dataDir: string,
  log: (line: string) => void,
): Promise<RotationResult> {
  const port = await localRotationPort(deps, dataDir);
  const { graceSeconds, verifyAttempts, verifyIntervalSeconds } = TARGET_DEFAULTS.local;
  return rotateLocalStack(() =>
    rotateKeys({ port, log, sleep: deps.sleep }, { apps: [], dryRun: false, graceSeconds, probeCount: 5, verifyAttempts, verifyIntervalSeconds }),
  );
}

/** `ensureLocalKeys` with the real ARM client and rotation port: what `patientctl local up` does on a first start. */
export function bootstrapLocalStack(dataDir: string, log: (line: string) => void = () => undefined): Promise<RotationResult> {
  const deps = { armClient: createArmClient, rotationPort: createAzureRotationPort, sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)) };
  return ensureLocalKeys(deps, dataDir, log);
}
