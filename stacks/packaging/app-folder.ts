import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bundleAppCode, PACKAGE_ENTRY } from './bundle-app';

/**
 * Writes an app's code into its folder (`functions/<app>/dist`), beside the host.json and
 * package.json there: what Azure Functions Core Tools loads on `func start`, the same bytes as
 * the package deploy ships. The folder's earlier build goes first, so no stale part stays.
 * Answers the files written.
 */
export async function buildAppFolder(app: string, functionsDir: string, appDir = join(functionsDir, app)): Promise<string[]> {
  const code = await bundleAppCode(app, functionsDir);
  await rm(join(appDir, dirname(PACKAGE_ENTRY)), { recursive: true, force: true });
  const written: string[] = [];
  for (const [name, bytes] of code.files) {
    const file = join(appDir, name);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, bytes);
    written.push(file);
  }
  return written;
}
