import { build, type BuildFailure } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { BundleError } from '../cli/errors';

export const FUNCTION_APPS = ['patient-api', 'audit-api'] as const;

/** Largest run-from-package zip we ship: a small package keeps cold starts short. */
export const MAX_PACKAGE_BYTES = 3 * 1024 * 1024;

/** Entries every package holds; the Functions host reads package.json's `main`. */
export const PACKAGE_ENTRY = 'dist/index.js';

export interface BundleOptions {
  /** The folder holding `<app>/src/index.ts` and `<app>/host.json` (the repo's `functions/`). */
  functionsDir: string;
  /** Where `<app>.zip` is written (the stack's `packagesDir`, default `dist/packages`). */
  outDir: string;
  apps?: readonly string[];
}

export interface BundledApp {
  app: string;
  zipPath: string;
  zipBytes: number;
  bundleBytes: number;
}

// A fixed timestamp keeps the zip identical for identical sources, so `pulumi up` sees no change.
const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');

/**
 * Bundles one function app into a run-from-package zip: host.json, a
 * package.json whose `main` is the bundle, and the bundle itself (Node 22,
 * everything inlined, `@azure/functions` included). `applicationinsights` is
 * inlined too but stays lazy: esbuild wraps each CommonJS module in a function
 * that runs only when first required, and the apps require it only when a
 * connection string is configured.
 */
export async function bundleApp(app: string, options: BundleOptions): Promise<BundledApp> {
  const appDir = join(options.functionsDir, app);
  let code: Uint8Array;
  try {
    const result = await build({
      entryPoints: [join(appDir, 'src', 'index.ts')],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      keepNames: true,
      legalComments: 'none',
      write: false,
      outfile: join(appDir, PACKAGE_ENTRY),
      logLevel: 'silent',
      // Provided by the Functions host at run time; never an npm package.
      external: ['@azure/functions-core'],
    });
    code = result.outputFiles[0].contents;
  } catch (error) {
    const first = (error as BuildFailure).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new BundleError(`could not bundle ${app}: ${first?.text ?? (error as Error).message.split('\n')[0]}${where}`);
  }

  let hostJson: Buffer;
  try {
    hostJson = await readFile(join(appDir, 'host.json'));
  } catch {
    throw new BundleError(`could not bundle ${app}: ${join(appDir, 'host.json')} is missing`);
  }
  const packageJson = Buffer.from(`${JSON.stringify({ name: app, private: true, main: PACKAGE_ENTRY }, null, 2)}\n`);

  const zip = new ZipFile();
  zip.addBuffer(hostJson, 'host.json', { mtime: FIXED_MTIME });
  zip.addBuffer(packageJson, 'package.json', { mtime: FIXED_MTIME });
  zip.addBuffer(Buffer.from(code), PACKAGE_ENTRY, { mtime: FIXED_MTIME });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  if (bytes.length > MAX_PACKAGE_BYTES) {
    throw new BundleError(`${app}.zip is ${bytes.length} bytes, over the ${MAX_PACKAGE_BYTES}-byte limit`);
  }

  await mkdir(options.outDir, { recursive: true });
  const zipPath = join(options.outDir, `${app}.zip`);
  await writeFile(zipPath, bytes);
  return { app, zipPath, zipBytes: bytes.length, bundleBytes: code.length };
}

/** Bundles every function app (both by default), one after the other to spare a small machine. */
export async function bundleApps(options: BundleOptions): Promise<BundledApp[]> {
  const results: BundledApp[] = [];
  for (const app of options.apps ?? FUNCTION_APPS) results.push(await bundleApp(app, options));
  return results;
}
