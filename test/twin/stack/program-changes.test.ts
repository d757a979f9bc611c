import { expect } from 'chai';
import { AZURE_TO_LOCAL, runLocalStack } from '../../../twin/index';
import { newPatient } from '../../support/gateway-client';
import { send } from '../../support/http';
import { insideRange, programCopy, removeDir, startLocalStack, tempDir, type LocalStackFixture } from '../../support/local-stack';

/**
 * The local stack follows the program: each test changes a copy of stacks/ as a developer would,
 * restarts the stack on the same data directory (as a `pulumi up` of the change would update the
 * deployed stack), and sees the change in the stack's behaviour.
 */
describe('the local stack follows changes to the program (a changed copy of stacks/)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let workDir: string;
  let running: LocalStackFixture | undefined;

  /** A create through the gateway while the audit register answers 2.5 s late: its status and how long it took. */
  const slowAudit = async (f: LocalStackFixture) => {
    expect((await f.control('POST', '/faults/db', { db: 'audit', kind: 'latency', ms: 2500 })).status).to.equal(201);
    const started = Date.now();
    const reply = await f.gw.json('POST', '/patient', newPatient('Slow'));
    await f.control('DELETE', '/faults/db');
    return { status: reply.status, ms: Date.now() - started };
  };
  /** The declared program's answer to a slow audit register, measured on the first start. */
  let declared: { status: number; ms: number };

  before(async () => {
    workDir = tempDir('program-changes');
    dataDir = `${workDir}/data`;
    // The program as it is, once: the bootstrap issues the host keys every later start keeps.
    const asDeclared = await startLocalStack({}, dataDir);
    try {
      declared = await slowAudit(asDeclared);
    } finally {
      await asDeclared.stop();
    }
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });
  after(() => removeDir(workDir));

  const auditHostKey = async (f: LocalStackFixture) => Object.values(await f.hostKeys('audit-api'))[0];

  it("drops the Audit API's rule admitting the Patient API's subnet: the Audit API refuses the Patient API (403), so nothing is written (502)", async () => {
    const programDir = programCopy(workDir, [{ file: 'components/function-app.ts', from: 'ipSecurityRestrictions: args.allowedCallers.map(', to: "ipSecurityRestrictions: (name === 'audit-api' ? [] : args.allowedCallers).map(" }]);
    running = await startLocalStack({ programDir }, dataDir);
    const created = await running.gw.json('POST', '/patient', newPatient('NoRule'));
    expect(created.status).to.equal(502);
    expect(created.json<{ type: string }>().type).to.match(/audit-rejected$/);
    const direct = await send(`${running.info.auditApiUrl}/auditrecord?resourceId=x`, { headers: { 'x-functions-key': await auditHostKey(running) }, localAddress: insideRange(AZURE_TO_LOCAL.subnets['patient-api']) });
    expect(direct.status).to.equal(403);
    expect(direct.text).to.contain('Error 403 - Forbidden');
  });

  it("drops API Management's read grant on its host-key secret: the named value cannot be created, so the stack does not start, naming it", async () => {
    const programDir = programCopy(workDir, [{ file: 'program.ts', from: "keyVaultReadGrants: grantReads('apim', apim.principalId),", to: 'keyVaultReadGrants: [],' }]);
    const error = await runLocalStack({ dataDir, port: 0, quiet: true, programDir }, { log: () => undefined }).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).to.match(/^named value patient-api-host-key cannot be created: Key Vault refuses API Management's read of secret patient-api-host-key \(403 ForbiddenByRbac/);
  });

  it("drops the readers' dependsOn on the private link: the sites start with unresolved references (warned), and the named value cannot be created, so the stack does not start, naming it", async () => {
    const programDir = programCopy(workDir, [
      { file: 'program.ts', from: 'privatePaths: [...privateLink.ready.vault, ...accounts.filter((account) => dataAccounts[account].app === app).flatMap((account) => privateLink.ready[`cosmos-${account}`])],', to: 'privatePaths: [],' },
      { file: 'program.ts', from: 'keyVaultPrivatePath: privateLink.ready.vault,', to: 'keyVaultPrivatePath: [],' },
    ]);
    const lines: string[] = [];
    const error = await runLocalStack({ dataDir, port: 0, quiet: true, programDir }, { log: (line) => lines.push(line) }).then(
      async (started) => {
        await started.stop();
        return undefined;
      },
      (caught: Error) => caught,
    );
    expect(error?.message).to.match(/^named value patient-api-host-key cannot be created: Key Vault refuses API Management's read of secret patient-api-host-key \(403 ForbiddenByConnection: Public network access is disabled/);
    const warnings = lines.filter((line) => line.startsWith('warning: '));
    expect(warnings.some((line) => /^warning: patient-api: the dependency graph lets the site start before private-link-vault-endpoint \(its private path to vault [a-z0-9-]+\), so its Key Vault references \(.*AUDIT_API_KEY.*\) stay unresolved/.test(line))).to.equal(true);
    expect(warnings.some((line) => /^warning: audit-api: the dependency graph lets the site start before private-link-cosmos-audit-endpoint \(its private path to Cosmos DB account [a-z0-9-]+\)/.test(line))).to.equal(true);
    // What App Service did at the site's start: the vault refused the public path it came by.
    expect(warnings).to.include.members(['warning: audit-api setting AUDIT_DB_CONNECTION is unresolved (AccessToKeyVaultDenied): Public network access is disabled and request is not from a trusted service nor via an approved private link.']);
  });

  it("lets the sites start before their identities' grants (no dependsOn): warned at start, references unresolved as App Service leaves them, until a refresh", async () => {
    const programDir = programCopy(workDir, [{ file: 'components/function-app.ts', from: 'dependsOn: [container, ...storageGrants, args.telemetryGrant, ...args.keyVaultReadGrants, ...args.privatePaths]', to: 'dependsOn: [container, ...storageGrants, args.telemetryGrant, ...args.privatePaths]' }]);
    running = await startLocalStack({ programDir }, dataDir);
    const warnings = running.lines.filter((line) => line.startsWith('warning: '));
    expect(warnings.some((line) => /patient-api: the dependency graph lets the site start before .*\(its read of audit-api-host-key\), so AUDIT_API_KEY stays an unresolved Key Vault reference/.test(line))).to.equal(true);
    expect(warnings.some((line) => /audit-api: the dependency graph lets the site start before .*\(its read of audit-db-connection\)/.test(line))).to.equal(true);
    const before = await running.arm('GET', 'patient-api:/config/configreferences/appsettings');
    expect(before.json<{ value: { name: string; properties: { status: string } }[] }>().value.map((r) => r.properties.status)).to.deep.equal(['AccessToKeyVaultDenied', 'AccessToKeyVaultDenied', 'AccessToKeyVaultDenied']);
    expect((await running.gw.json('POST', '/patient', newPatient('Unresolved'))).status).to.be.within(500, 504);

    // What `patientctl deploy` does after `up`: refresh the references once the grants exist.
    for (const app of ['audit-api', 'patient-api'] as const) expect((await running.arm('POST', `${app}:/config/configreferences/appsettings/refresh`, '2022-03-01')).status).to.equal(200);
    expect((await running.gw.json('POST', '/patient', newPatient('Resolved'))).status).to.equal(201);
  });

  it('changes AUDIT_TIMEOUT_MS: the Patient API gives up on a slow audit register after the new deadline', async () => {
    const programDir = programCopy(workDir, [{ file: 'program.ts', from: "[PATIENT_API_SETTINGS.auditTimeoutMs]: '5000'", to: "[PATIENT_API_SETTINGS.auditTimeoutMs]: '600'" }]);
    running = await startLocalStack({ programDir }, dataDir);
    const shortened = await slowAudit(running);
    console.log(`    audit 2.5 s slow: AUDIT_TIMEOUT_MS 5000 -> ${declared.status} after ${declared.ms} ms; 600 -> ${shortened.status} after ${shortened.ms} ms`);
    expect(declared.status).to.equal(201);
    expect(shortened.status).to.equal(504);
    expect(shortened.ms).to.be.below(declared.ms);
  });
});
