import { APP_NAMES } from '../../contracts/apps';
import { AppRotation } from './app-rotation';
import { Bootstrap, needsBootstrap } from './bootstrap';
import type { AppRotationResult, RotationResult } from './rotation-result';
import { RotationSteps, type AppView, type RotateKeysDeps, type RotateKeysOptions } from './rotation-steps';

export type { AppRotationResult, RotationOutcome, RotationResult } from './rotation-result';
export type { RotateKeysDeps, RotateKeysOptions } from './rotation-steps';

/**
 * Rotates the host keys of the given apps, one app after the other. First, every app whose
 * secret holds none of its host keys (a fresh stack) is bootstrapped, whichever apps were asked
 * for: verification goes through both keys, so one placeholder fails every rotation.
 */
export async function rotateKeys(deps: RotateKeysDeps, options: RotateKeysOptions): Promise<RotationResult> {
  const observer = new RotationSteps(deps, options);
  const views: AppView[] = [];
  for (const app of APP_NAMES) views.push(await observer.observe(app));
  const apps: AppRotationResult[] = [];
  const bootstrapping = views.filter(needsBootstrap);
  if (bootstrapping.length > 0) {
    const bootstrap = new Bootstrap(new RotationSteps(deps, options));
    apps.push(...(options.dryRun ? bootstrap.plan(bootstrapping) : await bootstrap.run(bootstrapping)));
  }
  for (const view of views) {
    if (!options.apps.includes(view.app) || bootstrapping.includes(view)) continue;
    apps.push(await new AppRotation(new RotationSteps(deps, options), view).run());
  }
  return { target: deps.port.description, dryRun: options.dryRun, apps };
}
