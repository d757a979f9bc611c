import { expect } from 'chai';
import { cpSync, globSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { AUDIT_API_SETTINGS, PATIENT_API_SETTINGS } from '../../contracts/app-settings';
import { APP_NAMES, type AppName } from '../../contracts/apps';
import openApiDocument from '../../contracts/patient-api.openapi.json';
import { createAuditApiApp } from '../../functions/audit-api/src/app';
import { buildAppFolder } from '../../stacks/packaging/app-folder';
import { PACKAGE_ENTRY, TELEMETRY_ENTRY } from '../../stacks/packaging/bundle-app';
import { loadAppEntry, type Registration } from '../stacks/packaging/load-app';

const FUNCTIONS = join(__dirname, '..', '..', 'functions');
const SETTINGS: Record<AppName, Record<string, string>> = { 'patient-api': PATIENT_API_SETTINGS, 'audit-api': AUDIT_API_SETTINGS };
/** Files Core Tools never publishes, whatever .funcignore says (FileSystemHelpers.GetLocalFiles). */
const NEVER_PUBLISHED = ['.funcignore', '.gitignore', 'local.settings.json', 'project.lock.json'];

interface LocalSettings {
  IsEncrypted: boolean;
  Values: Record<string, string>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Every file under `dir`, relative and `/`-separated. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

/**
 * Which files `func azure functionapp publish` takes from a folder, by its .funcignore read as
 * Core Tools reads one (GitIgnoreParser): each pattern anchored at the folder's root, `*` within
 * one path segment, `**` across segments, a match followed by a word boundary (so `src` covers
 * `src/...`), `!` re-admits.
 */
function publishedFiles(funcignore: string, files: string[]): string[] {
  const patterns = funcignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const regex = (lines: string[]) => {
    if (lines.length === 0) return /$^/;
    const alternatives = lines.map((line) =>
      line
        .replace(/^\//, '')
        .replace(/[-[\]/{}()+?.\\^$|]/g, '\\$&')
        .replace(/\*\*/g, '(.+)')
        .replace(/\*/g, '([^\\/]+)'),
    );
    return new RegExp(`^((${alternatives.join(')|(')}))\\b`);
  };
  const denied = regex(patterns.filter((line) => !line.startsWith('!')));
  const admitted = regex(patterns.filter((line) => line.startsWith('!')).map((line) => line.slice(1)));
  return files.filter((file) => !NEVER_PUBLISHED.includes(file.split('/').pop()!) && (admitted.test(file) || !denied.test(file))).sort();
}

/** The Patient API's operations as the OpenAPI document declares them, as the app must register them. */
function openApiRegistrations(): Registration[] {
  return Object.entries(openApiDocument.paths).flatMap(([path, operations]) =>
    Object.entries(operations as Record<string, { operationId?: string }>)
      .filter(([, operation]) => typeof operation === 'object' && operation.operationId !== undefined)
      .map(([method, operation]) => ({ name: operation.operationId!, route: path.slice(1), methods: [method.toUpperCase()], authLevel: 'function' })),
  );
}

async function auditApiRegistrations(): Promise<Registration[]> {
  const settings: Record<string, string> = { [AUDIT_API_SETTINGS.databaseConnection]: 'mongodb://127.0.0.1:9/?directConnection=true' };
  const app = createAuditApiApp((name) => settings[name]);
  const table = app.routes.map(({ name, route, methods, authLevel }) => ({ name, route, methods, authLevel }));
  await app.close();
  return table;
}

const byName = (a: Registration, b: Registration) => a.name.localeCompare(b.name);

describe('what Azure Functions Core Tools reads from each app folder (func start)', function () {
  this.timeout(120_000);
  /** Each app folder copied and built as `npm run build:app` builds it in place. */
  const folders = new Map<AppName, string>();

  before(async () => {
    for (const app of APP_NAMES) {
      const dir = mkdtempSync(join(tmpdir(), `core-tools-${app}-`));
      cpSync(join(FUNCTIONS, app), dir, { recursive: true, filter: (source) => !source.startsWith(join(FUNCTIONS, app, 'dist')) });
      await buildAppFolder(app, FUNCTIONS, dir);
      folders.set(app, dir);
    }
  });
  after(() => {
    for (const dir of folders.values()) rmSync(dir, { recursive: true, force: true });
  });

  for (const app of APP_NAMES) {
    describe(app, () => {
      it('host.json is a v2 host file with the /api prefix, and needs no extension bundle: every function is an HTTP trigger, built into the runtime', () => {
        const host = readJson<{ version?: string; extensionBundle?: unknown; extensions?: { http?: { routePrefix?: string } } }>(join(FUNCTIONS, app, 'host.json'));
        expect(host.version).to.equal('2.0');
        expect(host.extensions?.http?.routePrefix).to.equal('api');
        expect(host).to.not.have.property('extensionBundle');
      });

      it("package.json's main matches exactly the built entry the deploy package names, and loading it with the example settings registers every route", async () => {
        const dir = folders.get(app)!;
        const { main } = readJson<{ main: string }>(join(FUNCTIONS, app, 'package.json'));
        expect(main).to.equal(PACKAGE_ENTRY);
        // The worker resolves main as a glob in the app folder: one file, not the telemetry part too.
        expect(globSync(main, { cwd: dir })).to.deep.equal([PACKAGE_ENTRY]);
        const { Values } = readJson<LocalSettings>(join(FUNCTIONS, app, 'local.settings.json.example'));
        const loaded = loadAppEntry(dir, main, Values);
        // Every registration is an HTTP trigger: the observer records nothing else.
        const expected = app === 'patient-api' ? openApiRegistrations() : await auditApiRegistrations();
        expect(loaded.registrations.slice().sort(byName)).to.deep.equal(expected.sort(byName));
        expect(loaded.registrations.map((registration) => registration.route)).to.include(app === 'patient-api' ? 'patient/{patientId}/audit' : 'auditrecord');
        expect(loaded.loaded, 'the telemetry part is read only with a connection string').to.deep.equal([PACKAGE_ENTRY]);
      });

      it('.funcignore leaves the sources and local settings out: a publish takes what the deploy package holds', () => {
        const files = [...filesUnder(folders.get(app)!), 'local.settings.json'];
        expect(files).to.include.members([`src/index.ts`, 'local.settings.json.example']);
        const published = publishedFiles(readFileSync(join(FUNCTIONS, app, '.funcignore'), 'utf8'), files);
        expect(published).to.deep.equal([PACKAGE_ENTRY, TELEMETRY_ENTRY, 'host.json', 'package.json'].sort());
      });

      it('local.settings.json.example names every app setting of the contract, plain, for the node worker, and nothing else', () => {
        const example = readJson<LocalSettings>(join(FUNCTIONS, app, 'local.settings.json.example'));
        expect(example.IsEncrypted).to.equal(false);
        // AzureWebJobsStorage stays empty: Core Tools asks for it only for triggers other than HTTP.
        expect(example.Values).to.include({ FUNCTIONS_WORKER_RUNTIME: 'node', AzureWebJobsStorage: '' });
        expect(Object.keys(example.Values).sort()).to.deep.equal(['AzureWebJobsStorage', 'FUNCTIONS_WORKER_RUNTIME', ...Object.values(SETTINGS[app])].sort());
        // A Key Vault reference would send Core Tools to a real vault.
        for (const [name, value] of Object.entries(example.Values)) expect(value, name).to.not.match(/^@Microsoft\.KeyVault/);
      });

      it('.gitignore keeps local.settings.json out of git', () => {
        expect(readFileSync(join(FUNCTIONS, app, '.gitignore'), 'utf8').split('\n')).to.include('local.settings.json');
      });
    });
  }
});
