import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export interface DeployPackage {
  /** Absolute path of the zip on the deploying machine. */
  file: string;
  /** Blob name carrying the content hash, so a new build gives a new URL and the app restarts onto it. */
  blobName: string;
}

/** Locates `<app>.zip` in the packages directory (built by `patientctl deploy`) and names its blob. */
export function locateDeployPackage(packagesDir: string, appName: string): DeployPackage {
  const file = path.join(packagesDir, `${appName}.zip`);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new Error(
      `deploy package ${file} is missing; build it with 'patientctl deploy' or set config 'packagesDir'`,
    );
  }
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
  return { file, blobName: `${appName}-${digest}.zip` };
}
