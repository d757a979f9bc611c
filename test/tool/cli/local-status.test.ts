import { expect } from 'chai';
import type { LocalStackApi, LocalStackStatus } from '../../../tool/cli/deps';
import { AZURE_TO_LOCAL } from '../../../twin/index';
import { runCli } from '../../../tool/cli/program';
import { CliHarness } from './harness';

const CONSUMER_KEY = 'consumer-key-0f3a9c';
const COMPLIANCE_KEY = 'compliance-key-77d1e2';

/** A running stack as readLocalStackStatus reports it, keys in stack.json as the stack writes them. */
const RUNNING: LocalStackStatus = {
  running: true,
  supervisorPid: 4100,
  info: {
    gatewayUrl: 'http://127.0.0.1:8080',
    subscriptionKey: CONSUMER_KEY,
    complianceSubscriptionKey: COMPLIANCE_KEY,
    patientApiUrl: 'http://127.0.2.1:41001/api',
    auditApiUrl: 'http://127.0.3.1:41002/api',
    controlUrl: 'http://127.0.0.1:41004/local',
    armUrl: 'https://127.0.0.1:41003',
    patientApiAppId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/prdev-patient-api',
    auditApiAppId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/prdev-audit-api',
    keyVaultName: 'prdev-kv',
    keyVaultUri: 'https://prdev-kv.vault.azure.net/',
    apimNamedValueId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/apim/namedValues/patient-api-host-key',
    probeSubscriptionId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/apim/subscriptions/rotation-probe',
  },
  processes: [
    { name: 'patients-db', pid: 4101, state: 'up', address: '127.0.0.1:41005', restarts: 0, health: 'answering' },
    { name: 'audit-api', pid: 4102, state: 'up', address: '127.0.3.1:41002', restarts: 1, health: 'answering' },
    { name: 'apim', pid: 4103, state: 'down', address: '127.0.0.1:8080', restarts: 2, health: 'not answering' },
  ],
  state: {
    supervisorPid: 4100,
    processes: [],
    hostKeyNames: { 'patient-api': ['apim-1'] },
    functionKeyNames: {},
    secretNames: ['patient-api-host-key'],
    namedValues: ['patient-api-host-key'],
    subscriptions: [{ id: 'consumers', product: 'consumers' }],
    accounts: [],
    warnings: ['patient-api: the dependency graph lets the site start before its grant'],
    notEmulated: [
      { what: 'azure-native:insights:Component', resources: ['app-insights'], why: 'telemetry is off locally' },
      { what: 'azure-native:web:WebApp.tags', resources: ['audit-api-site', 'patient-api-site', 'third-site', 'fourth-site'], why: 'nothing local reads tags' },
    ],
    mapping: AZURE_TO_LOCAL,
  },
};

describe('patientctl local status and local keys: where the keys are, not what they are', function () {
  this.timeout(30_000);
  let cli: CliHarness;
  afterEach(() => cli.cleanup());

  async function run(status: LocalStackStatus, ...args: string[]): Promise<number> {
    const api: LocalStackApi = {
      runLocalStack: () => Promise.reject(new Error('not started in this test')),
      stopLocalStack: () => Promise.resolve(false),
      readLocalStackStatus: () => Promise.resolve(status),
      readStoredSecret: () => {
        throw new Error('local status never reads a secret');
      },
      outsideProcessEnvironment: () => ({}),
    };
    return runCli(args, { ...cli.deps(), localStack: () => Promise.resolve(api) });
  }

  beforeEach(async () => {
    cli = await CliHarness.create({ stacks: [] });
  });

  it('prints a table of services with URL, pid, state and health, the subnet ranges and what is not emulated, and no key value', async () => {
    expect(await run(RUNNING, 'local', 'status')).to.equal(0);
    const out = cli.out();
    const lines = out.split('\n');
    expect(lines[0]).to.match(/^service\s+url\s+pid\s+state\s+health$/);
    expect(lines.find((line) => line.startsWith('ARM endpoint (supervisor)'))).to.match(/https:\/\/127\.0\.0\.1:41003\s+4100\s+up/);
    expect(lines.find((line) => line.startsWith('audit-api'))).to.match(/^audit-api\s+http:\/\/127\.0\.3\.1:41002\/api\s+4102\s+up \(1 restarts\)\s+answering$/);
    expect(lines.find((line) => line.startsWith('apim'))).to.match(/^apim\s+http:\/\/127\.0\.0\.1:8080\s+4103\s+down \(2 restarts\)\s+not answering$/);
    expect(lines.find((line) => line.startsWith('patients-db'))).to.match(/tcp:\/\/127\.0\.0\.1:41005/);
    expect(out).to.match(/patient-api\s+127\.0\.2\.0\/24/);
    expect(out).to.match(/azure-native:insights:Component\s+app-insights\s+telemetry is off locally/);
    // A long list of declaring resources is cut short in the table (the JSON keeps it whole).
    expect(out).to.match(/azure-native:web:WebApp\.tags\s+audit-api-site, patient-api-site \+2 more\s+nothing local reads tags/);
    expect(out).to.contain('warning: patient-api: the dependency graph lets the site start before its grant');
    expect(out).to.contain('subscription keys: not shown (--show-keys');
    expect(out).to.not.contain(CONSUMER_KEY);
    expect(out).to.not.contain(COMPLIANCE_KEY);
  });

  it('--json keeps the machine form without key values; --show-keys adds them, in the table and in the JSON', async () => {
    expect(await run(RUNNING, '--json', 'local', 'status')).to.equal(0);
    const document = cli.json<{ ok: boolean; status: { running: boolean; info: Record<string, string>; processes: { name: string; health: string }[] } }>();
    expect(document.ok).to.equal(true);
    expect(document.status.info.gatewayUrl).to.equal('http://127.0.0.1:8080');
    expect(document.status.processes.map((p) => `${p.name}:${p.health}`)).to.deep.equal(['patients-db:answering', 'audit-api:answering', 'apim:not answering']);
    expect(cli.out() + cli.err()).to.not.contain(CONSUMER_KEY).and.not.contain(COMPLIANCE_KEY);
    cli.stdout.length = 0;

    expect(await run(RUNNING, '--json', 'local', 'status', '--show-keys')).to.equal(0);
    expect(cli.json<{ status: { info: Record<string, string> } }>().status.info).to.include({ subscriptionKey: CONSUMER_KEY, complianceSubscriptionKey: COMPLIANCE_KEY });
    cli.stdout.length = 0;

    expect(await run(RUNNING, 'local', 'status', '--show-keys')).to.equal(0);
    expect(cli.out()).to.match(new RegExp(`consumers\\s+${CONSUMER_KEY}`)).and.match(new RegExp(`compliance\\s+${COMPLIANCE_KEY}`));
  });

  it('local keys prints the keys by product, or one bare for a shell; refuses an unknown product (2) and a stack that does not run (8)', async () => {
    expect(await run(RUNNING, 'local', 'keys')).to.equal(0);
    expect(cli.out()).to.match(new RegExp(`^consumers\\s+${CONSUMER_KEY}\\ncompliance\\s+${COMPLIANCE_KEY}\\n$`));
    cli.stdout.length = 0;
    expect(await run(RUNNING, 'local', 'keys', '--product', 'compliance')).to.equal(0);
    expect(cli.out()).to.equal(`${COMPLIANCE_KEY}\n`);
    expect(await run(RUNNING, 'local', 'keys', '--product', 'admins')).to.equal(2);
    expect(cli.err()).to.contain('--product expects consumers or compliance, got "admins"');
    expect(await run({ running: false, processes: [], info: RUNNING.info }, 'local', 'keys')).to.equal(8);
    expect(cli.err()).to.contain('no local stack is running for .local; start it with `npm start`');
  });

  it('says when no stack runs', async () => {
    expect(await run({ running: false, processes: [] }, 'local', 'status')).to.equal(0);
    expect(cli.out()).to.equal('no local stack is running\n');
  });
});
