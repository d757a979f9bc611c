import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_NAMES } from '../contracts/apps';
import { AUDIT_API_SETTINGS, PATIENT_API_SETTINGS, TELEMETRY_SETTING } from '../contracts/app-settings';
import { readZip } from '../test/stacks/packaging/read-zip';
import { bundleApp, PACKAGE_ENTRY, type BundledApp, type BundleOptions } from '../stacks/packaging/bundle-app';

const ROOT = join(__dirname, '..');
const OUT = join(__dirname, 'out');

export interface ColdStartSubject {
  name: string;
  /** Modules the fresh process requires in order; none for the bare `node -e 0` baseline. */
  modules: string[];
}

export interface ColdStartResult {
  name: string;
  runs: number;
  /** Median wall time from spawn to exit, as the parent sees it. */
  processMs: number;
  /** Median time the fresh process spent in `require()` of its modules (import + function registration). */
  requireMs: number;
}

export interface PackageSize {
  app: string;
  zipBytes: number;
  bundleBytes: number;
  /** The telemetry part (`applicationinsights`), a second file of the zip; 0 if none. */
  telemetryBytes: number;
}

export interface ColdStartSubjects {
  subjects: ColdStartSubject[];
  packages: PackageSize[];
}

/**
 * Settings the apps demand at start-up. Nothing is contacted: databases connect on first use, and
 * with no APPLICATIONINSIGHTS_CONNECTION_STRING telemetry is never loaded or started.
 */
function childEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [PATIENT_API_SETTINGS.auditApiUrl]: 'http://127.0.3.1:9/api',
    [PATIENT_API_SETTINGS.auditApiKey]: 'cold-start',
    [PATIENT_API_SETTINGS.searchHashKey]: 'cold-start',
    [PATIENT_API_SETTINGS.databaseConnection]: 'mongodb://127.0.0.1:9/?directConnection=true',
    [AUDIT_API_SETTINGS.databaseConnection]: 'mongodb://127.0.0.1:9/?directConnection=true',
  };
  delete env[TELEMETRY_SETTING];
  delete env.NODE_OPTIONS;
  return env;
}

/**
 * Builds what is compared, per app: the deploy bundle (stacks/packaging, extracted from its zip) and the
 * app compiled by tsc without bundling, each twice: as the apps load without telemetry configured
 * (they then never require `applicationinsights`, and the bundle never reads its telemetry part),
 * and with `applicationinsights` required but never started, as in Azure where it is configured.
 */
export async function prepareColdStartSubjects(log: (line: string) => void): Promise<ColdStartSubjects> {
  const coldDir = join(OUT, 'cold-start');
  rmSync(coldDir, { recursive: true, force: true });
  mkdirSync(coldDir, { recursive: true });
  log('bundling both apps with stacks/packaging, the bundler the stack uses');
  const bundled = await bundleBoth({ functionsDir: join(ROOT, 'functions'), outDir: join(coldDir, 'packages') });
  const withTelemetry = await bundleWithTelemetryLoaded(join(coldDir, 'packages-telemetry'));
  log('compiling the apps with tsc (bench/tsconfig.functions.json)');
  await runTsc();
  const telemetryModule = require.resolve('applicationinsights');
  const subjects: ColdStartSubject[] = [{ name: 'node -e 0', modules: [] }];
  for (const pkg of bundled) {
    const bundleFile = extractPackage(pkg.zipPath, join(coldDir, pkg.app));
    const telemetryBundleFile = extractPackage(withTelemetry.find((p) => p.app === pkg.app)!.zipPath, join(coldDir, `${pkg.app}-telemetry`));
    const compiled = join(OUT, 'unbundled', 'functions', pkg.app, 'src', 'index.js');
    subjects.push({ name: `${pkg.app} bundle`, modules: [bundleFile] });
    subjects.push({ name: `${pkg.app} unbundled`, modules: [compiled] });
    subjects.push({ name: `${pkg.app} bundle + telemetry loaded`, modules: [telemetryBundleFile] });
    subjects.push({ name: `${pkg.app} unbundled + telemetry loaded`, modules: [telemetryModule, compiled] });
  }
  return { subjects, packages: bundled.map(({ app, zipBytes, bundleBytes, telemetryBytes }) => ({ app, zipBytes, bundleBytes, telemetryBytes: telemetryBytes ?? 0 })) };
}

async function bundleBoth(options: BundleOptions): Promise<BundledApp[]> {
  const bundled: BundledApp[] = [];
  for (const app of APP_NAMES) bundled.push(await bundleApp(app, options));
  return bundled;
}

/** Unpacks a package as the Functions host mounts it; returns its entry. */
function extractPackage(zipPath: string, dir: string): string {
  for (const [name, data] of readZip(readFileSync(zipPath))) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return join(dir, PACKAGE_ENTRY);
}

/**
 * The deploy bundle of each app with one change: `applicationinsights` is required eagerly at the
 * top (never started). Built by the same bundler from a throw-away entry that imports
 * the package and then the app's real entry; the import goes to the package's telemetry part.
 */
async function bundleWithTelemetryLoaded(outDir: string) {
  // Inside the repository, so `applicationinsights` resolves from its node_modules as for the apps.
  const functionsDir = mkdtempSync(join(OUT, 'entries-'));
  try {
    for (const app of APP_NAMES) {
      mkdirSync(join(functionsDir, app, 'src'), { recursive: true });
      copyFileSync(join(ROOT, 'functions', app, 'host.json'), join(functionsDir, app, 'host.json'));
      const entry = `import 'applicationinsights';\nimport ${JSON.stringify(join(ROOT, 'functions', app, 'src', 'index'))};\n`;
      writeFileSync(join(functionsDir, app, 'src', 'index.ts'), entry);
    }
    return await bundleBoth({ functionsDir, outDir });
  } finally {
    rmSync(functionsDir, { recursive: true, force: true });
  }
}

function runTsc(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, 'tsconfig.functions.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // tsc emits despite type errors elsewhere; only a missing entry makes the comparison impossible.
    child.on('exit', () => {
      try {
        for (const app of APP_NAMES) readFileSync(join(OUT, 'unbundled', 'functions', app, 'src', 'index.js'));
        resolve();
      } catch {
        reject(new Error(`tsc did not emit the apps' entries:\n${output.slice(0, 2000)}`));
      }
    });
  });
}

// The probe runs in the fresh process: it times the require and reports it on stdout.
const PROBE = `const t = performance.now(); for (const m of process.argv.slice(1)) require(m); process.stdout.write(JSON.stringify({ requireMs: performance.now() - t }) + '\\n'); process.exit(0);`;

function runOnce(subject: ColdStartSubject): Promise<{ processMs: number; requireMs: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, subject.modules.length > 0 ? ['-e', PROBE, ...subject.modules] : ['-e', '0'], { env: childEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      const processMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`${subject.name} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      const line = stdout.split('\n').find((l) => l.startsWith('{"requireMs"'));
      resolve({ processMs, requireMs: line ? (JSON.parse(line) as { requireMs: number }).requireMs : 0 });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Fresh processes per subject, interleaved round by round so machine noise spreads evenly. */
export async function measureColdStarts(subjects: ColdStartSubject[], runs: number): Promise<ColdStartResult[]> {
  const samples = new Map(subjects.map((s) => [s.name, [] as { processMs: number; requireMs: number }[]]));
  for (let round = 0; round < runs; round += 1) {
    for (const subject of subjects) samples.get(subject.name)!.push(await runOnce(subject));
  }
  return subjects.map((subject) => {
    const taken = samples.get(subject.name)!;
    return { name: subject.name, runs: taken.length, processMs: median(taken.map((s) => s.processMs)), requireMs: median(taken.map((s) => s.requireMs)) };
  });
}
