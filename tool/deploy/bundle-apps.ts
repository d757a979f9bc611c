import { build, type BuildFailure, type BuildOptions, type Plugin } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ZipFile } from 'yazl';
import { BundleError } from '../errors';

export const FUNCTION_APPS = ['patient-api', 'audit-api'] as const;

/** Largest run-from-package zip we ship: a small package keeps cold starts short. */
export const MAX_PACKAGE_BYTES = 3 * 1024 * 1024;

/** Entries every package holds; the Functions host reads package.json's `main`. */
export const PACKAGE_ENTRY = 'dist/index.js';

/** `applicationinsights`, bundled on its own next to the entry, for the apps that import it. */
export const TELEMETRY_ENTRY = 'dist/telemetry.js';

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
  /** The entry's bundle, what every start parses. */
  bundleBytes: number;
  /** The telemetry part, loaded only where a connection string is set; absent if the app has none. */
  telemetryBytes?: number;
}

// A fixed timestamp keeps the zip identical for identical sources, so `pulumi up` sees no change.
const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');

/**
 * What both parts are built with. `mainFields` prefers packages' ES module builds, which esbuild
 * can tree-shake (the OpenTelemetry packages ship both): the telemetry part shrinks from 4.5 to
 * 3.0 MB and loads ~30 % faster. `keepNames` keeps class names, which error kinds in the request
 * log rely on; it costs nothing measurable.
 */
const COMMON_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true,
  legalComments: 'none',
  // `import()` of the telemetry part becomes `require()`: a real dynamic import of a CommonJS
  // bundle would see only its default export, not `useAzureMonitor`.
  supported: { 'dynamic-import': false },
  write: false,
  logLevel: 'silent',
  // Provided by the Functions host at run time; never an npm package.
  external: ['@azure/functions-core'],
};

/**
 * Sends the apps' (lazy) `import('applicationinsights')` to the telemetry part, a file of its
 * own: the entry's bundle stays small, and only a start with telemetry configured reads it.
 */
function telemetryAsSeparateFile(used: { telemetry: boolean }): Plugin {
  return {
    name: 'telemetry-as-separate-file',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^applicationinsights$/ }, () => {
        used.telemetry = true;
        return { path: `./${TELEMETRY_ENTRY.split('/').pop()}`, external: true };
      });
    },
  };
}

async function bundle(app: string, options: BuildOptions): Promise<Uint8Array> {
  try {
    const result = await build({ ...COMMON_OPTIONS, ...options });
    return result.outputFiles![0].contents;
  } catch (error) {
    const first = (error as BuildFailure).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new BundleError(`could not bundle ${app}: ${first?.text ?? (error as Error).message.split('\n')[0]}${where}`);
  }
}

/**
 * Bundles one function app into a run-from-package zip: host.json, a package.json whose `main`
 * is the bundle, the bundle itself (Node 22, everything inlined, `@azure/functions` included)
 * and, if the app imports `applicationinsights`, that package bundled as a second file which
 * the entry requires only when a connection string is configured.
 */
export async function bundleApp(app: string, options: BundleOptions): Promise<BundledApp> {
  const appDir = join(options.functionsDir, app);
  const used = { telemetry: false };
  const code = await bundle(app, {
    entryPoints: [join(appDir, 'src', 'index.ts')],
    outfile: join(appDir, PACKAGE_ENTRY),
    plugins: [telemetryAsSeparateFile(used)],
  });
  const telemetry = used.telemetry
    ? await bundle(app, { entryPoints: ['applicationinsights'], absWorkingDir: resolve(appDir), outfile: join(appDir, TELEMETRY_ENTRY) })
    : undefined;

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
  if (telemetry) zip.addBuffer(Buffer.from(telemetry), TELEMETRY_ENTRY, { mtime: FIXED_MTIME });
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
  return { app, zipPath, zipBytes: bytes.length, bundleBytes: code.length, ...(telemetry ? { telemetryBytes: telemetry.length } : {}) };
}

/** Bundles every function app (both by default), one after the other to spare a small machine. */
export async function bundleApps(options: BundleOptions): Promise<BundledApp[]> {
  const results: BundledApp[] = [];
  for (const app of options.apps ?? FUNCTION_APPS) results.push(await bundleApp(app, options));
  return results;
}
