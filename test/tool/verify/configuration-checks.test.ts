import { expect } from 'chai';
import { modelFromArm, type ArmSnapshot } from '../../../policy/from-arm';
import { WAIVERS } from '../../../policy/waivers';
import { configurationChecks } from '../../../tool/verify/configuration-checks';
import { formatChecks } from '../../../tool/verify/report-table';
import { armFromMocks, compliantArmSnapshot } from '../../policy/arm-from-mocks';
import { createStackFileFixture, runStack } from '../../stacks/harness';

const withStatus = (checks: ReturnType<typeof configurationChecks>, status: string) => checks.filter((entry) => entry.status === status).map((entry) => entry.check);
const waiversOf = (environment: string) => WAIVERS.filter((waiver) => waiver.stacks === 'every' || waiver.stacks.includes(environment)).map((waiver) => waiver.rule);

/** The deployment's resource group, whose `environment` tag says which waivers apply. */
function retag(snapshot: ArmSnapshot, environment: string): ArmSnapshot {
  const group = snapshot.resources.find((resource) => /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(resource.id))!;
  group.tags = { ...group.tags, environment };
  return snapshot;
}

describe("patientctl verify's configuration checks: the waiver register per environment, as the policy pack applies it", function () {
  this.timeout(60_000);

  it('shows a rule waived for the deployment\'s environment as WAIVED with the reason, in the table too, and never as FAIL', async () => {
    const checks = configurationChecks(modelFromArm(await compliantArmSnapshot()), 'dev');
    expect(withStatus(checks, 'FAIL')).to.deep.equal([]);
    expect(withStatus(checks, 'WAIVED')).to.have.members(waiversOf('dev'));
    const table = formatChecks(checks, []).join('\n');
    expect(table).to.match(/^WAIVED +configuration +Azure\.APIM\.AvailabilityZone +apim-service: the Developer tier has no availability zones$/m);
    expect(table).to.contain('waived: Cost: the Developer tier has no availability zones');
    expect(table).to.match(/\d+ passed, 0 failed, 0 warned, 7 waived$/m);
  });

  it('fails the dev-only waivers on the same deployment tagged prod, and keeps the waivers of every stack', async () => {
    const checks = configurationChecks(modelFromArm(retag(await compliantArmSnapshot(), 'prod')), 'prod');
    const devOnly = WAIVERS.filter((waiver) => waiver.stacks !== 'every' && waiver.stacks.includes('dev')).map((waiver) => waiver.rule);
    expect(withStatus(checks, 'FAIL')).to.have.members(devOnly);
    expect(withStatus(checks, 'WAIVED')).to.have.members(waiversOf('prod'));
  });

  it('passes the prod stack (Pulumi.prod.yaml) as ARM would answer it, with only the waivers of every stack', async () => {
    const fixture = createStackFileFixture('Pulumi.prod.yaml');
    try {
      const checks = configurationChecks(modelFromArm(armFromMocks(await runStack(fixture.config))), 'prod');
      expect(checks.filter((entry) => entry.status === 'FAIL').map((entry) => `${entry.check}: ${entry.detail}`)).to.deep.equal([]);
      expect(withStatus(checks, 'WAIVED')).to.have.members(waiversOf('prod'));
    } finally {
      fixture.cleanup();
    }
  });
});
