import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AppName } from '../../contracts/apps';
import { bundleApp, type BundleOptions } from './bundle-app';

export interface DeployPackage {
  /** Absolute path of the zip on the deploying machine. */
  file: string;
  /** Blob name carrying the content hash, so a new build gives a new URL and the app restarts onto it. */
  blobName: string;
}

/** Where the program gets each app's run-from-package zip. */
export type PackageSource = (app: AppName) => Promise<DeployPackage>;

/** An app's zip, named for its blob by its content. */
export function deployPackage(app: AppName, file: string): DeployPackage {
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
  return { file, blobName: `${app}-${digest}.zip` };
}

/** The packages the one bundler builds from `functions/` into the stack's `packagesDir`. */
export function bundledPackages(options: BundleOptions): PackageSource {
  return async (app) => deployPackage(app, (await bundleApp(app, options)).zipPath);
}
