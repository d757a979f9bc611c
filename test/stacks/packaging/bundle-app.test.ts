import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_NAMES } from '../../../contracts/apps';
import { bundleApp, MAX_PACKAGE_BYTES, PACKAGE_ENTRY, TELEMETRY_ENTRY } from '../../../stacks/packaging/bundle-app';
import { PackageBuildError } from '../../../stacks/packaging/package-error';
import { createAuditApiApp } from '../../../functions/audit-api/src/app';
import { createPatientApiApp } from '../../../functions/patient-api/src/app';
import { loadAppEntry, type Registration } from './load-app';
import { readZip } from './read-zip';

const FIXTURES = join(__dirname, 'fixtures');
const REPO_FUNCTIONS = join(__dirname, '..', '..', '..', 'functions');

/**
 * Unpacks a package and loads its entry as the host would (`loadAppEntry`). No application
 * settings that would start telemetry are given; the database is never waited for.
 */
function loadPackage(zipPath: string, env: Record<string, string>): { registrations: Registration[]; main: string; files: string[]; loaded: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'patientctl-package-'));
  try {
    const entries = readZip(readFileSync(zipPath));
    for (const [name, data] of entries) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), data);
    }
    const main = (JSON.parse(entries.get('package.json')!.toString()) as { main: string }).main;
    return { ...loadAppEntry(dir, main, env), main, files: [...entries.keys()].sort() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deploy bundles (esbuild → run-from-package zip)', function () {
  this.timeout(60_000);
  let outDir: string;
  // The real apps are bundled once for every spec that only reads their packages.
  const realDir = mkdtempSync(join(tmpdir(), 'patientctl-real-packages-'));
  let real: Promise<Awaited<ReturnType<typeof bundleApp>>[]> | undefined;
  const realPackages = () => {
    real ??= (async () => {
      const built = [];
      for (const app of APP_NAMES) built.push(await bundleApp(app, { functionsDir: REPO_FUNCTIONS, outDir: realDir }));
      return built;
    })();
    return real;
  };
  after(() => rmSync(realDir, { recursive: true, force: true }));
  beforeEach(() => (outDir = mkdtempSync(join(tmpdir(), 'patientctl-packages-'))));
  afterEach(() => rmSync(outDir, { recursive: true, force: true }));

  it('packages a small app: host.json, package.json with main, the bundle and its telemetry part; it registers its function', async () => {
    const pkg = await bundleApp('tiny-api', { functionsDir: join(FIXTURES, 'functions'), outDir });
    expect(pkg.zipPath).to.equal(join(outDir, 'tiny-api.zip'));
    expect(pkg.zipBytes).to.be.greaterThan(0).and.at.most(MAX_PACKAGE_BYTES);
    const loaded = loadPackage(pkg.zipPath, {});
    expect(loaded.files).to.deep.equal(['dist/index.js', 'dist/telemetry.js', 'host.json', 'package.json']);
    expect(loaded.main).to.equal('dist/index.js');
    expect(loaded.registrations).to.deep.equal([{ name: 'ping', route: 'ping', methods: ['GET'], authLevel: 'function' }]);
  });

  it('gives identical bytes for identical sources (no needless redeploys)', async () => {
    const first = await bundleApp('tiny-api', { functionsDir: join(FIXTURES, 'functions'), outDir });
    const bytes = readFileSync(first.zipPath);
    const elsewhere = mkdtempSync(join(tmpdir(), 'patientctl-packages-'));
    try {
      const second = await bundleApp('tiny-api', { functionsDir: join(FIXTURES, 'functions'), outDir: elsewhere });
      expect(readFileSync(second.zipPath).equals(bytes)).to.equal(true);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('reports an app it cannot bundle as a PackageBuildError naming the app', async () => {
    const error = await bundleApp('no-such-app', { functionsDir: join(FIXTURES, 'functions'), outDir }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PackageBuildError);
    expect((error as Error).message).to.match(/^could not bundle no-such-app: /);
  });

  it('packages both real apps under 3 MB each, and each registers every route of its table', async () => {
    const packages = await realPackages();
    for (const pkg of packages) expect(pkg.zipBytes, `${pkg.app}.zip`).to.be.at.most(MAX_PACKAGE_BYTES);

    const patientSettings: Record<string, string> = {
      AUDIT_API_URL: 'http://127.0.0.1:9/api',
      AUDIT_API_KEY: 'k',
      SEARCH_HASH_KEY: 'h',
      PATIENTS_DB_CONNECTION: 'mongodb://127.0.0.1:9/?directConnection=true',
    };
    const auditSettings: Record<string, string> = { AUDIT_DB_CONNECTION: 'mongodb://127.0.0.1:9/?directConnection=true' };
    const expected = async (app: { routes: { name: string; route: string; methods: string[]; authLevel: string }[]; close(): Promise<void> }) => {
      const table = app.routes.map(({ name, route, methods, authLevel }) => ({ name, route, methods, authLevel }));
      await app.close();
      return table;
    };
    const patientTable = await expected(createPatientApiApp((name) => patientSettings[name]));
    const auditTable = await expected(createAuditApiApp((name) => auditSettings[name]));

    expect(loadPackage(packages[0].zipPath, patientSettings).registrations).to.deep.equal(patientTable);
    expect(loadPackage(packages[1].zipPath, auditSettings).registrations).to.deep.equal(auditTable);
    expect(patientTable.map((r) => r.route)).to.include.members(['patient', 'patient/search', 'patient/{patientId}/audit']);
    expect(auditTable.map((r) => r.route)).to.include('auditrecord');
  });

  it('ships applicationinsights as a second file that a start without a connection string never reads', async () => {
    const packages = await realPackages();
    const patientSettings: Record<string, string> = {
      AUDIT_API_URL: 'http://127.0.0.1:9/api',
      AUDIT_API_KEY: 'k',
      SEARCH_HASH_KEY: 'h',
      PATIENTS_DB_CONNECTION: 'mongodb://127.0.0.1:9/?directConnection=true',
    };
    for (const pkg of packages) {
      // The entry is ~1.2 MB; @azure/identity inlined would add ~0.46 MB: it comes from the telemetry part, where the SDK bundles it already.
      expect(pkg.bundleBytes, `${pkg.app} entry, applicationinsights and @azure/identity not inlined`).to.be.below(1.5 * 1024 * 1024);
      // applicationinsights 3.17 brings OpenTelemetry's sdk-node and its configuration packages: 3.2 MiB, read only where telemetry is configured.
      expect(pkg.telemetryBytes, `${pkg.app} telemetry part`).to.be.above(0).and.below(3.5 * 1024 * 1024);
      const entries = readZip(readFileSync(pkg.zipPath));
      expect([...entries.keys()].sort()).to.deep.equal([PACKAGE_ENTRY, TELEMETRY_ENTRY, 'host.json', 'package.json'].sort());
      expect(entries.get(PACKAGE_ENTRY)!.toString()).to.include('require("./telemetry.js")');
    }
    const loaded = loadPackage(packages[0].zipPath, patientSettings);
    expect(loaded.loaded).to.deep.equal([PACKAGE_ENTRY]);
  });

  it('the telemetry part loads on its own in a fresh node and exports what the apps start telemetry with (never started)', async () => {
    const pkg = (await realPackages()).find((built) => built.app === 'audit-api')!;
    const dir = mkdtempSync(join(tmpdir(), 'patientctl-telemetry-'));
    try {
      const file = join(dir, 'telemetry.js');
      writeFileSync(file, readZip(readFileSync(pkg.zipPath)).get(TELEMETRY_ENTRY)!);
      // Only typeof is read: nothing is called, so nothing starts or reaches the network.
      const probe = `const t = require(${JSON.stringify(file)}); process.stdout.write(JSON.stringify({ useAzureMonitor: typeof t.useAzureMonitor, ManagedIdentityCredential: typeof t.ManagedIdentityCredential }));`;
      const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
      const output = execFileSync(process.execPath, ['-e', probe], { cwd: dir, env, timeout: 20_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(JSON.parse(output)).to.deep.equal({ useAzureMonitor: 'function', ManagedIdentityCredential: 'function' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
