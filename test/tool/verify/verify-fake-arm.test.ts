import { expect } from 'chai';
import { APP_NAMES, type AppName } from '../../../contracts/apps';
import { modelFromArm } from '../../../policy/from-arm';
import { invariants } from '../../../policy/invariants';
import { WAIVERS } from '../../../policy/waivers';
import type { StackModel } from '../../../policy/model';
import { createArmClient } from '../../../tool/azure/arm-client';
import { createAzureVerifyPort } from '../../../tool/azure/azure-verify-port';
import { rotationTags } from '../../../tool/rotation/rotation-state';
import type { VerifyPort } from '../../../tool/verify/port';
import { formatChecks } from '../../../tool/verify/report-table';
import { runVerify, type VerifyResult } from '../../../tool/verify/run-verify';
import { compliantArmSnapshot } from '../../policy/arm-from-mocks';
import { PROBE_KEY, startFakeArm, TOKEN, type FakeArm } from './fake-arm';
import { startAppHost, startFakeGateway, type FakeGateway } from './fake-gateway';

type AppHost = Awaited<ReturnType<typeof startAppHost>>;
type Json = Record<string, unknown>;

const failed = (result: VerifyResult) => result.checks.filter((entry) => entry.status === 'FAIL').map((entry) => entry.check);
const warned = (result: VerifyResult) => result.checks.filter((entry) => entry.status === 'WARN').map((entry) => entry.check);
const fixOf = (result: VerifyResult, check: string) => result.checks.find((entry) => entry.check === check)?.fix ?? '';

describe('patientctl verify against a fake ARM (a deployment as ARM answers it) and a gateway', function () {
  this.timeout(60_000);
  let arm: FakeArm;
  let gateway: FakeGateway;
  let hosts: Record<AppName, AppHost>;

  let compliantModel: StackModel;

  /** `readConfiguration: false` checks the compliant model instead of reading it again (the case breaks keys or behaviour). */
  async function verify(options: { writes?: boolean; readConfiguration?: boolean } = {}): Promise<VerifyResult> {
    const armPort = createAzureVerifyPort({
      description: 'azure stack test',
      outputs: arm.outputs(gateway.url),
      client: createArmClient({ armUrl: arm.url, token: TOKEN, caCert: arm.caCert }),
      appUrls: { 'patient-api': hosts['patient-api'].url, 'audit-api': hosts['audit-api'].url },
    });
    const port: VerifyPort = options.readConfiguration === false ? { ...armPort, configuration: () => Promise.resolve(compliantModel) } : armPort;
    return runVerify(port, {
      stack: 'test',
      rotateCommand: 'patientctl rotate-keys --stack test',
      deployCommand: 'patientctl deploy --stack test',
      writes: options.writes ?? true,
      maxKeyAgeDays: 9,
      now: () => Date.now(),
    });
  }

  before(async () => {
    compliantModel = modelFromArm(await compliantArmSnapshot());
  });

  beforeEach(async () => {
    arm = await startFakeArm(await compliantArmSnapshot());
    gateway = await startFakeGateway();
    hosts = { 'patient-api': await startAppHost(), 'audit-api': await startAppHost() };
  });

  afterEach(async () => {
    await arm.close();
    await gateway.close();
    for (const host of Object.values(hosts)) await host.close();
  });

  it('passes every check on a compliant deployment but the rules waived for its environment, and deletes its synthetic patient', async () => {
    const result = await verify();
    expect(result.checks.filter((entry) => entry.status !== 'PASS' && entry.status !== 'WAIVED')).to.deep.equal([]);
    // The dev stack's resource group carries `environment: dev`: the register's dev waivers and those for every stack apply.
    const expectedWaivers = WAIVERS.filter((waiver) => waiver.stacks === 'every' || waiver.stacks.includes('dev'));
    expect(result.checks.filter((entry) => entry.status === 'WAIVED').map((entry) => [entry.check, entry.waiver])).to.have.deep.members(expectedWaivers.map((waiver) => [waiver.rule, waiver.reason]));
    expect(result.ok).to.equal(true);
    const live = invariants.filter((invariant) => invariant.notLive === undefined && invariant.programOnly === undefined);
    expect(result.checks.filter((entry) => entry.area === 'configuration').map((entry) => entry.check)).to.deep.equal(live.map((invariant) => invariant.id));
    expect(result.checks.filter((entry) => entry.area === 'keys')).to.have.length(6);
    expect(result.checks.find((entry) => entry.check === 'probe-record')?.detail).to.equal('a synthetic patient was created, read, found, deleted through the gateway');
    expect(gateway.patients.size).to.equal(0);
    expect(result.skipped.map((entry) => entry.check)).to.include('data-protected');
  });

  it("reads through ARM with each type's api-version: siteConfig from config/web, settings and keys by POST, extension resources under their scope", async () => {
    await verify();
    const site = arm.snapshot.sites['patient-api'];
    expect(arm.requests).to.include.members([
      `GET ${site}/config/web 2024-04-01`,
      `POST ${site}/config/appsettings/list 2024-04-01`,
      `POST ${site}/host/default/listkeys 2024-04-01`,
      `GET ${site}/basicPublishingCredentialsPolicies/scm 2024-04-01`,
    ]);
    const versions = (pattern: RegExp) => [...new Set(arm.requests.filter((line) => pattern.test(line)).map((line) => line.split(' ')[2]))];
    expect(versions(/Microsoft\.DocumentDB/)).to.deep.equal(['2025-10-15']);
    expect(versions(/roleAssignments /)).to.deep.equal(['2022-04-01']);
    expect(versions(/Microsoft\.KeyVault\/vaults\/[^/]+(\/secrets[^ ]*)? /)).to.deep.equal(['2024-11-01']);
    expect(versions(/\/providers\/Microsoft\.Insights\/diagnosticSettings /)).to.deep.equal(['2021-05-01-preview']);
    expect(versions(/\/privateDnsZones\//)).to.deep.equal(['2024-06-01']);
    expect(versions(/\/privateEndpoints\//)).to.deep.equal(['2024-05-01']);
    expect(versions(/\/blobServices\/default /)).to.deep.equal(['2024-01-01']);
    expect(versions(/\/providers\/Microsoft\.Security\/apiCollections /)).to.deep.equal(['2023-11-15']);
    expect(versions(/^GET \/subscriptions\/[^/]+\/resourceGroups\/[^/]+ /)).to.deep.equal(['2024-03-01']);
    // Each API's policy and the global one.
    expect(arm.requests.filter((line) => /\/policies\/policy /.test(line))).to.have.length(3);
    const model = await createAzureVerifyPort({ description: 'azure stack test', outputs: arm.outputs(gateway.url), client: createArmClient({ armUrl: arm.url, token: TOKEN, caCert: arm.caCert }) }).configuration();
    const ids = (model as StackModel).resources.map((resource) => resource.id.toLowerCase());
    expect(ids.length, 'a resource the group lists and its parent lists again is read once').to.equal(new Set(ids).size);
  });

  it('never prints a key or connection string, in the table or the JSON', async () => {
    const result = await verify();
    const printed = [...formatChecks(result.checks, result.skipped), JSON.stringify(result)].join('\n');
    for (const secret of [...Object.values(arm.activeKeys), PROBE_KEY, ...Object.values(arm.snapshot.connectionStrings)]) expect(printed).to.not.contain(secret);
  });

  it('finds the apps\' own host names in ARM (https://<defaultHostName>/api)', async () => {
    const port = createAzureVerifyPort({ description: 'azure stack test', outputs: arm.outputs(gateway.url), client: createArmClient({ armUrl: arm.url, token: TOKEN, caCert: arm.caCert }) });
    const urls = await port.appUrls();
    for (const app of APP_NAMES) expect(urls[app]).to.match(new RegExp(`^https://[a-z0-9-]+\\.azurewebsites\\.net/api$`));
  });

  describe('each broken state fails exactly its check, with its fix', () => {
    /** `psRule`: the PSRule for Azure rule that states the same condition, which fails with the check. */
    const cases: { what: string; check: string; psRule?: string; fix: RegExp; breakIt: () => void; configuration?: boolean }[] = [
      {
        what: "the vault's firewall opened in the portal",
        check: 'vault-firewall',
        psRule: 'Azure.KeyVault.Firewall',
        configuration: true,
        fix: /pulumi refresh --stack test, then patientctl deploy --stack test/,
        breakIt: () => (((arm.find(`/vaults/${arm.outputs('').keyVaultName}`).properties as Json).networkAcls as Json).defaultAction = 'Allow'),
      },
      {
        what: 'an access rule added by hand to the Patient API',
        check: 'patient-api-admits-apim-only',
        configuration: true,
        fix: /patientctl deploy --stack test/,
        breakIt: () => ((arm.find(`${arm.snapshot.sites['patient-api']}/config/web`).properties as { ipSecurityRestrictions: Json[] }).ipSecurityRestrictions.push({ ipAddress: '198.51.100.0/24', action: 'Allow', priority: 10 })),
      },
      {
        what: 'a Secrets User grant added by hand',
        check: 'secret-readers-exact',
        configuration: true,
        fix: /az role assignment delete/,
        breakIt: () => {
          const grant = arm.snapshot.resources.find((resource) => resource.id.includes('/secrets/search-hash-key/providers/Microsoft.Authorization/'))!;
          const auditPrincipal = arm.snapshot.resources.find((resource) => resource.id.includes('/secrets/audit-db-connection/providers/Microsoft.Authorization/'))!.properties!.principalId;
          arm.snapshot.resources.push({ id: grant.id.replace(/[^/]+$/, 'by-hand'), properties: { ...grant.properties, principalId: auditPrincipal } });
        },
      },
      {
        what: "the Audit API's host default key back",
        check: 'host-keys:audit-api',
        fix: /patientctl rotate-keys --stack test --app audit: .*deletes the default keys/,
        breakIt: () => arm.sites['audit-api'].keys.setHostKey('functionKeys', 'default', 'a-default-key-0123456789'),
      },
      {
        what: 'a host key added by hand to the Patient API',
        check: 'host-keys:patient-api',
        fix: /az functionapp keys delete/,
        breakIt: () => arm.sites['patient-api'].keys.setHostKey('functionKeys', 'ops-debug', 'a-hand-made-key-0123456789'),
      },
      {
        what: "a function's default key",
        check: 'host-keys:patient-api',
        fix: /rotate-keys --stack test --app patient/,
        breakIt: () => arm.sites['patient-api'].keys.setFunctionKey('searchPatients', 'default', 'a-function-key-0123456789'),
      },
      {
        what: 'a rotation left pending',
        check: 'rotation-journal:audit-api-host-key',
        fix: /resumes or rolls back/,
        breakIt: () => {
          const secret = arm.find('/secrets/audit-api-host-key');
          secret.tags = rotationTags({ slot: 'a', generation: 2, step: 'pending', previousSlot: 'b' }, arm.activeKeys['audit-api']);
        },
      },
      { what: 'a gateway that serves without a key', check: 'gateway-requires-key', fix: /require a subscription/, breakIt: () => (gateway.faults.anonymousAllowed = true) },
      { what: 'the compliance API open to consumers', check: 'compliance-refuses-consumer-key', fix: /compliance product only/, breakIt: () => (gateway.faults.complianceOpen = true) },
      { what: 'errors without a problem document', check: 'invalid-body-problem-document', fix: /validates every body/, breakIt: () => (gateway.faults.plainErrors = true) },
      { what: 'a delete that deletes nothing', check: 'probe-record', fix: /trace id/, breakIt: () => (gateway.faults.deleteIgnored = true) },
      { what: "the Audit API's own host answering this machine", check: 'app-refuses-direct-calls:audit-api', fix: /access restrictions/, breakIt: () => hosts['audit-api'].setOpen(true) },
    ];
    for (const { what, check, psRule, fix, breakIt, configuration } of cases) {
      it(`${what}: ${[check, psRule].filter(Boolean).join(' and ')}`, async () => {
        breakIt();
        const result = await verify({ readConfiguration: configuration === true });
        expect(failed(result)).to.deep.equal(psRule ? [check, psRule] : [check]);
        expect(fixOf(result, check)).to.match(fix);
        expect(result.ok).to.equal(false);
      });
    }

    it('an active key older than --max-key-age warns and does not fail', async () => {
      const secret = arm.find('/secrets/patient-api-host-key');
      (secret.properties as { attributes: { updated: number } }).attributes.updated -= 20 * 24 * 60 * 60;
      const result = await verify({ readConfiguration: false });
      expect(failed(result)).to.deep.equal([]);
      expect(warned(result)).to.deep.equal(['key-age:patient-api-host-key']);
      expect(result.checks.find((entry) => entry.check === 'key-age:patient-api-host-key')?.detail).to.match(/21 days old, over --max-key-age 9/);
      expect(result.ok).to.equal(true);
    });

    it('--no-writes writes no patient and says it skipped that check', async () => {
      const result = await verify({ writes: false, readConfiguration: false });
      expect(warned(result)).to.deep.equal(['probe-record']);
      // The one create is the invalid patient, which the gateway refuses.
      expect(gateway.requests.filter((line) => line === 'POST /patient')).to.have.length(1);
    });
  });
});
