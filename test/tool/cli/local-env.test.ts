import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APP_NAMES } from '../../../contracts/apps';
import { AUDIT_DATABASE, PATIENTS_DATABASE } from '../../../contracts/collections';
import { HOST_KEY_SECRET, SECRETS } from '../../../contracts/secrets';
import { LOCAL_SETTING_SOURCES, type LocalSettings } from '../../../tool/cli/commands/local-env';
import { runCli } from '../../../tool/cli/program';
import * as localStackApi from '../../../twin/index';
import { ADA } from '../../functions/support/patient-api-harness';
import { REPO_ROOT, removeDir, tempDir, type LocalStackFixture } from '../../support/local-stack';
import { sharedLocalStack } from '../../support/shared-stack';
import { createFixture, runStack } from '../../stacks/harness';
import { CliHarness } from './harness';

const PROBE = join(__dirname, 'func-start-probe.ts');
/** What API Management adds to a request it forwards, as the Patient API records it. */
const GATEWAY_HEADERS = { 'x-apim-subscription-id': 'consumers', 'x-apim-client-ip': '198.51.100.7', 'x-apim-request-id': '5b0d7c1e-9a34-4f27-8c61-3e2f1a9b7d40' };

/**
 * Calls one route of `app` in a process whose environment is the file's Values and nothing else
 * of this one (bar PATH), as Core Tools' Node worker gets them.
 */
async function underFuncStart(values: Record<string, string>, app: string, route: string, options: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
  const dir = tempDir('func-start');
  try {
    const resultFile = join(dir, 'result.json');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', PROBE, app, route, JSON.stringify(options), resultFile], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...values },
      timeout: 60_000,
    });
    return JSON.parse(readFileSync(resultFile, 'utf8')) as { status: number; json: unknown };
  } finally {
    removeDir(dir);
  }
}

describe('patientctl local env: local.settings.json for func start against the local stack', function () {
  this.timeout(30_000);
  let cli: CliHarness;
  beforeEach(async () => {
    cli = await CliHarness.create({ stacks: [] });
  });
  afterEach(() => cli.cleanup());

  it('exits 8 with one line when no local stack runs, printing nothing', async () => {
    expect(await cli.run('local', 'env', 'patient-api')).to.equal(8);
    expect(cli.err()).to.equal('patientctl: no local stack is running for .local; start it with `npm start`\n');
    expect(cli.out()).to.equal('');
  });

  it('knows only the two apps (2)', async () => {
    expect(await cli.run('local', 'env', 'gateway')).to.equal(2);
    expect(cli.err()).to.contain("value 'gateway' is invalid for argument 'app'");
  });

  it('says in its help that it prints secrets, and why', async () => {
    expect(await cli.run('local', 'env', '--help')).to.equal(0);
    const help = cli.out().replace(/\s+/g, ' ');
    expect(help).to.match(/prints secrets in plain text/).and.match(/holding them is that file's purpose/).and.match(/never logged/);
  });

  it('takes each setting from where the program declares it on the site: the secret its Key Vault reference names, the Audit API site, or the same value', async function () {
    this.timeout(120_000);
    const fixture = createFixture();
    try {
      const model = await runStack(fixture.config);
      const site = (app: string) => model.resources.find((resource) => resource.type === 'azure-native:web:WebApp' && resource.name === `${app}-site`)!;
      for (const app of APP_NAMES) {
        const declared = Object.fromEntries(((site(app).inputs.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings).map((entry) => [entry.name, entry.value]));
        for (const [name, source] of Object.entries(LOCAL_SETTING_SOURCES[app])) {
          if ('declared' in source) expect(declared[name], name).to.equal(source.declared);
          else if ('secret' in source) expect(declared[name], name).to.match(new RegExp(`^@Microsoft\\.KeyVault\\(SecretUri=https://[^/]+\\.vault\\.azure\\.net/secrets/${source.secret}/\\)$`));
          else expect(declared[name], name).to.equal(`https://${String(site('audit-api').state.defaultHostName)}/api`);
        }
      }
    } finally {
      fixture.cleanup();
    }
  });

  describe('against a running stack', function () {
    this.timeout(240_000);
    let f: LocalStackFixture;
    before(async () => {
      f = await sharedLocalStack();
    });

    async function localEnv(app: string, ...args: string[]): Promise<LocalSettings> {
      cli.stdout.length = 0;
      cli.stderr.length = 0;
      expect(await runCli(['local', 'env', app, '--data-dir', f.dataDir, ...args], { ...cli.deps(), localStack: () => Promise.resolve(localStackApi) })).to.equal(0);
      return JSON.parse(cli.out()) as LocalSettings;
    }

    it('prints plain settings that, given to each app, reach the stack: its Audit API, Key Vault values and databases', async () => {
      const patient = await localEnv('patient-api');
      const secrets = [HOST_KEY_SECRET['audit-api'], SECRETS.patientsDbConnection, SECRETS.searchHashKey].map((name) => f.secret(name).value);
      expect(patient.IsEncrypted).to.equal(false);
      expect(patient.Values).to.include({ FUNCTIONS_WORKER_RUNTIME: 'node', AzureWebJobsStorage: '', AUDIT_API_URL: f.info.auditApiUrl, PATIENTS_DB_NAME: PATIENTS_DATABASE.name });
      expect([patient.Values.AUDIT_API_KEY, patient.Values.PATIENTS_DB_CONNECTION, patient.Values.SEARCH_HASH_KEY]).to.deep.equal(secrets);
      expect(cli.err()).to.contain('Core Tools does not check function keys');
      for (const secret of secrets) expect(cli.err()).to.not.contain(secret);

      // The Patient API run with exactly these values audits through the stack's Audit API (with the
      // key the stack issued) before it writes to the stack's patients database.
      const created = await underFuncStart(patient.Values, 'patient-api', 'createPatient', { body: { ...ADA, firstName: 'Func' }, headers: GATEWAY_HEADERS });
      expect(created.status, JSON.stringify(created.json)).to.equal(201);
      const patientId = (created.json as { id: string }).id;
      const databases = await f.databases();
      try {
        expect(await databases.db(PATIENTS_DATABASE.name).collection(PATIENTS_DATABASE.collections[0].name).countDocuments({ _id: patientId as never })).to.equal(1);
        const rows = await databases.db(AUDIT_DATABASE.name).collection(AUDIT_DATABASE.collections[0].name).find({ resourceId: patientId }).toArray();
        expect(rows.map((row) => row.sourceSystemName as string)).to.deep.equal(['patient-api']);
      } finally {
        await databases.close();
      }

      // The Audit API run with its values reads the stack's audit database.
      const audit = await localEnv('audit-api');
      expect(audit.Values.AUDIT_DB_CONNECTION).to.equal(f.secret(SECRETS.auditDbConnection).value);
      const trail = await underFuncStart(audit.Values, 'audit-api', 'listAuditRecords', { query: { resourceId: patientId } });
      expect(trail.status).to.equal(200);
      expect((trail.json as { resource: { id: string; operation: string } }[]).map((row) => row.resource)).to.deep.include({ type: 'patient', id: patientId, operation: 'create' });
    });

    it('without the NODE_OPTIONS binding the app stands outside the VNet, and the stack refuses it as Azure would', async () => {
      const { Values } = await localEnv('patient-api');
      const outside = Object.fromEntries(Object.entries(Values).filter(([name]) => name !== 'NODE_OPTIONS'));
      const refused = await underFuncStart(outside, 'patient-api', 'createPatient', { body: { ...ADA, firstName: 'Outside' }, headers: GATEWAY_HEADERS });
      // The stack's Audit API admits only the Patient API's subnet: its 403 fails the create before any write.
      expect(refused.status).to.equal(502);
      expect(refused.json).to.include({ type: 'https://patient-records/problems/audit-rejected' });
      const databases = await f.databases();
      try {
        expect(await databases.db(PATIENTS_DATABASE.name).collection(PATIENTS_DATABASE.collections[0].name).countDocuments({ firstName: 'Outside' })).to.equal(0);
      } finally {
        await databases.close();
      }
    });

    it('--write writes functions/<app>/local.settings.json for its owner only, and prints where, not what', async () => {
      const root = tempDir('local-env-root');
      try {
        mkdirSync(join(root, 'functions', 'audit-api'), { recursive: true });
        expect(await runCli(['local', 'env', 'audit-api', '--data-dir', f.dataDir, '--write'], { ...cli.deps(), repoRoot: root, localStack: () => Promise.resolve(localStackApi) })).to.equal(0);
        const file = join(root, 'functions', 'audit-api', 'local.settings.json');
        expect(statSync(file).mode & 0o777).to.equal(0o600);
        const written = JSON.parse(readFileSync(file, 'utf8')) as LocalSettings;
        expect(written.Values.AUDIT_DB_CONNECTION).to.equal(f.secret(SECRETS.auditDbConnection).value);
        expect(cli.out()).to.contain(`wrote ${file}`).and.not.contain(written.Values.AUDIT_DB_CONNECTION);
      } finally {
        removeDir(root);
      }
    });
  });
});
