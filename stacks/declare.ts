import type { StackConfig } from './config';
import { bundledPackages } from './packaging/deploy-package';
import { createStack, type StackOutputs } from './program';

/**
 * What `pulumi up` declares for a configuration: the stack, each app's package built from
 * `functionsDir` by the one bundler into the configuration's `packagesDir`. The local stack runs
 * this same function under the repository's mocks.
 */
export function declareStack(config: StackConfig, functionsDir: string): Promise<StackOutputs> {
  return createStack(config, { packages: bundledPackages({ functionsDir, outDir: config.packagesDir }) });
}
