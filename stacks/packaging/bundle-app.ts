import { build, type BuildFailure, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ZipFile } from 'yazl';
import { describeInputs, unchangedBuild, writeAtomically, type BuildRecord } from './build-record';
import { PackageBuildError } from './package-error';

/** Largest run-from-package zip we ship: a small package keeps cold starts short. */
export const MAX_PACKAGE_BYTES = 3 * 1024 * 1024;

/** Entries every package holds; the Functions host reads package.json's `main`. */
export const PACKAGE_ENTRY = 'dist/index.js';

/** `applicationinsights`, bundled on its own next to the entry, for the apps that import it. */
export const TELEMETRY_ENTRY = 'dist/telemetry.js';

export interface BundleOptions {
  /** The folder holding `<app>/src/index.ts` and `<app>/host.json` (the repository's `functions/`). */
  functionsDir: string;
  /** Where `<app>.zip` is written (the stack's `packagesDir`). */
  outDir: string;
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
  metafile: true,
  logLevel: 'silent',
  // Provided by the Functions host at run time; never an npm package.
  external: ['@azure/functions-core'],
};

/**
 * Sends the apps' (lazy) `import('applicationinsights')` and `import('@azure/identity')` to the
 * telemetry part, a file of its own: the entry's bundle stays small, and only a start with
 * telemetry configured reads it.
 */
function telemetryAsSeparateFile(used: { telemetry: boolean }): Plugin {
  return {
    name: 'telemetry-as-separate-file',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^(applicationinsights|@azure\/identity)$/ }, () => {
        used.telemetry = true;
        return { path: `./${TELEMETRY_ENTRY.split('/').pop()}`, external: true };
      });
    },
  };
}

/**
 * The telemetry part: `applicationinsights` and the credential class the apps start it with. Required
 * (not imported) so the credential is the copy the SDK already bundles for its own use.
 */
const TELEMETRY_PART_SOURCE = "module.exports = { ...require('applicationinsights'), ManagedIdentityCredential: require('@azure/identity').ManagedIdentityCredential };";

interface Built {
  code: Uint8Array;
  /** Absolute paths of every file esbuild read. */
  inputs: string[];
}

function inputsOf(metafile: Metafile | undefined, workingDir: string): string[] {
  return Object.keys(metafile?.inputs ?? {}).filter((input) => input !== '<stdin>').map((input) => resolve(workingDir, input));
}

async function bundle(app: string, options: BuildOptions): Promise<Built> {
  try {
    const result = await build({ ...COMMON_OPTIONS, ...options });
    return { code: result.outputFiles![0].contents, inputs: inputsOf(result.metafile, options.absWorkingDir ?? process.cwd()) };
  } catch (error) {
    const first = (error as BuildFailure).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new PackageBuildError(`could not bundle ${app}: ${first?.text ?? (error as Error).message.split('\n')[0]}${where}`);
  }
}

async function zipOf(entries: [name: string, bytes: Uint8Array][]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, bytes] of entries) zip.addBuffer(Buffer.from(bytes), name, { mtime: FIXED_MTIME });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An app's code as every package and app folder holds it: the entry's bundle and, where the app imports `applicationinsights`, the telemetry part. */
export interface AppCode {
  /** Paths (`dist/...`) relative to the app's root, and their bytes. */
  files: [name: string, bytes: Uint8Array][];
  /** Absolute paths of every file esbuild read. */
  inputs: string[];
  bundleBytes: number;
  telemetryBytes?: number;
}

/**
 * Bundles an app's `src/index.ts` (Node 22, everything inlined, `@azure/functions` included) and,
 * if the app imports `applicationinsights`, that package as a second file which the entry requires
 * only when a connection string is configured.
 */
export async function bundleAppCode(app: string, functionsDir: string): Promise<AppCode> {
  const appDir = join(functionsDir, app);
  const used = { telemetry: false };
  const entry = await bundle(app, {
    entryPoints: [join(appDir, 'src', 'index.ts')],
    outfile: join(appDir, PACKAGE_ENTRY),
    plugins: [telemetryAsSeparateFile(used)],
  });
  const telemetry = used.telemetry
    ? await bundle(app, { stdin: { contents: TELEMETRY_PART_SOURCE, resolveDir: resolve(appDir), loader: 'js' }, absWorkingDir: resolve(appDir), outfile: join(appDir, TELEMETRY_ENTRY) })
    : undefined;
  return {
    files: [[PACKAGE_ENTRY, entry.code], ...(telemetry ? [[TELEMETRY_ENTRY, telemetry.code] as [string, Uint8Array]] : [])],
    inputs: [...entry.inputs, ...(telemetry?.inputs ?? [])],
    bundleBytes: entry.code.length,
    ...(telemetry ? { telemetryBytes: telemetry.code.length } : {}),
  };
}

/**
 * Bundles one function app into a run-from-package zip: host.json, a package.json whose `main`
 * is the bundle, and the app's code (`bundleAppCode`). When nothing the last build read has
 * changed, its zip is kept as it is.
 */
export async function bundleApp(app: string, options: BundleOptions): Promise<BundledApp> {
  const appDir = join(options.functionsDir, app);
  const zipPath = join(options.outDir, `${app}.zip`);
  const recordPath = join(options.outDir, `${app}.inputs.json`);
  const kept = unchangedBuild(recordPath, zipPath);
  if (kept) return described(app, zipPath, (await readFile(zipPath)).length, kept);

  const hostJsonPath = join(appDir, 'host.json');
  let hostJson: Buffer;
  try {
    hostJson = await readFile(hostJsonPath);
  } catch {
    throw new PackageBuildError(`could not bundle ${app}: ${hostJsonPath} is missing`);
  }
  const code = await bundleAppCode(app, options.functionsDir);
  const packageJson = Buffer.from(`${JSON.stringify({ name: app, private: true, main: PACKAGE_ENTRY }, null, 2)}\n`);
  const bytes = await zipOf([['host.json', hostJson], ['package.json', packageJson], ...code.files]);
  if (bytes.length > MAX_PACKAGE_BYTES) {
    throw new PackageBuildError(`${app}.zip is ${bytes.length} bytes, over the ${MAX_PACKAGE_BYTES}-byte limit`);
  }

  await mkdir(options.outDir, { recursive: true });
  await writeAtomically(zipPath, bytes);
  const record: BuildRecord = {
    // The bundler's own file is an input too: a change to how packages are built builds them again.
    inputs: describeInputs(new Set([__filename, hostJsonPath, ...code.inputs])),
    bundleBytes: code.bundleBytes,
    ...(code.telemetryBytes !== undefined ? { telemetryBytes: code.telemetryBytes } : {}),
  };
  await writeAtomically(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  return described(app, zipPath, bytes.length, record);
}

function described(app: string, zipPath: string, zipBytes: number, record: BuildRecord): BundledApp {
  return { app, zipPath, zipBytes, bundleBytes: record.bundleBytes, ...(record.telemetryBytes !== undefined ? { telemetryBytes: record.telemetryBytes } : {}) };
}
