import { expect } from 'chai';
import { referenceChecks } from '../../../tool/azure/deployed-references';
import { awaitReferences } from '../../../tool/cli/commands/await-references';
import { createArmClient } from '../../../tool/azure/arm-client';
import { ReferencesUnresolvedError } from '../../../tool/errors';
import { startArmTwin, type RunningArmTwin } from '../../../twin/arm/arm-twin';
import { ARM, IDS, InMemoryStack } from '../../twin/arm/in-memory-stack';

const OUTPUTS = {
  gatewayUrl: 'https://apim.example',
  patientApiAppId: IDS['patient-api'],
  auditApiAppId: IDS['audit-api'],
  keyVaultName: ARM.vault,
  apimNamedValueId: IDS.namedValue,
  probeSubscriptionId: IDS.probeSubscription,
};

describe('after deploy: Key Vault references and the named value resolve (against the ARM twin)', () => {
  let arm: RunningArmTwin | undefined;
  let sleeps: number[];
  let lines: string[];

  async function check(stack: InMemoryStack, timeoutSeconds = 600) {
    arm = await startArmTwin(stack.armConfig('t'));
    const client = createArmClient({ armUrl: arm.url, token: 't', caCert: arm.caCert });
    const sleep = (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    };
    return awaitReferences(referenceChecks(client, OUTPUTS), { timeoutSeconds, sleep, log: (line) => lines.push(line) });
  }

  beforeEach(() => {
    sleeps = [];
    lines = [];
  });
  afterEach(async () => {
    await arm?.close();
  });

  it('passes at once when every reference is Resolved, after refreshing the named value and reading its lastStatus', async () => {
    const report = await check(new InMemoryStack());
    expect(report.references.map((r) => `${r.app} ${r.setting} ${r.status}`)).to.deep.equal([
      'patient-api AUDIT_API_KEY Resolved',
      'patient-api PATIENTS_DB_CONNECTION Resolved',
      'audit-api AUDIT_DB_CONNECTION Resolved',
    ]);
    expect(report.namedValue).to.deep.equal({ id: 'patient-api-host-key', status: 'Success' });
    expect(sleeps).to.deep.equal([]);
    expect(arm!.requests.map((r) => `${r.method} ${r.path.split('/').slice(8).join('/')} ${r.query['api-version']}`)).to.deep.equal([
      'GET app-patient/config/configreferences/appsettings 2024-04-01',
      'GET app-audit/config/configreferences/appsettings 2024-04-01',
      'POST apim-patients/namedValues/patient-api-host-key/refreshSecret 2024-05-01',
      'GET apim-patients/namedValues/patient-api-host-key 2024-05-01',
    ]);
  });

  it('refreshes what does not resolve yet (role assignments still propagating) and polls with a growing wait until it does', async () => {
    const report = await check(new InMemoryStack({ refusedReadsFirst: 3 }));
    expect(report.references.every((r) => r.status === 'Resolved')).to.equal(true);
    expect(report.namedValue.status).to.equal('Success');
    expect(sleeps).to.deep.equal([2000, 4000]);
    expect(report.waitedSeconds).to.equal(6);
    expect(lines[0]).to.equal(
      'waiting 2s for Key Vault references: patient-api AUDIT_API_KEY (AccessToKeyVaultDenied), patient-api PATIENTS_DB_CONNECTION (AccessToKeyVaultDenied), audit-api AUDIT_DB_CONNECTION (AccessToKeyVaultDenied), named value patient-api-host-key (Failure)',
    );
    expect(arm!.requests.filter((r) => r.path.endsWith('/refresh')).map((r) => r.query['api-version'])).to.include('2022-03-01');
  });

  it('gives up after the timeout with exit 11 and one line naming every setting that stays unresolved', async () => {
    const error = await check(new InMemoryStack({ refusedReadsFirst: 1000 }), 60).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ReferencesUnresolvedError);
    expect((error as ReferencesUnresolvedError).exitCode).to.equal(11);
    expect((error as Error).message).to.equal(
      'Key Vault references still unresolved after 60 s: patient-api AUDIT_API_KEY (AccessToKeyVaultDenied), patient-api PATIENTS_DB_CONNECTION (AccessToKeyVaultDenied), audit-api AUDIT_DB_CONNECTION (AccessToKeyVaultDenied), named value patient-api-host-key (Failure); role assignments can take about 10 minutes to apply: run deploy again or raise --reference-timeout',
    );
    expect(sleeps.reduce((a, b) => a + b, 0)).to.equal(60_000);
    expect(sleeps).to.deep.equal([2000, 4000, 8000, 16000, 30000]);
  });
});
