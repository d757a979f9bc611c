import { expect } from 'chai';
import type { CalleeApp } from '../../../../tool/rotation/port';
import { parseJsonOutput, runPatientctlProcess, startRotationStack, type RotationStack } from './rotation-fixture';
import { describeLoad, startSteadyLoad, type LoadReport } from './steady-load';

const APPS: CalleeApp[] = ['patient-api', 'audit-api'];
const CLIENTS = 24;

interface SlotView {
  slot: string;
  generation: string;
  journal: string | undefined;
  key: string;
  keyNames: string[];
}

async function slotView(stack: RotationStack, app: CalleeApp): Promise<SlotView> {
  const secret = await stack.appSecret(app);
  return { slot: secret.tags.slot, generation: secret.tags.generation, journal: secret.tags.rotation, key: secret.value, keyNames: Object.keys(await stack.hostKeys(app)).sort() };
}

describe('rotate-keys on the running local stack, under load (docs/design.md §8)', function () {
  this.timeout(90_000);
  let stack: RotationStack;
  const slotsBefore: Partial<Record<CalleeApp, SlotView>> = {};
  const slotsAfter: Partial<Record<CalleeApp, SlotView>> = {};
  let load: LoadReport;
  let cli: Awaited<ReturnType<typeof runPatientctlProcess>>;
  let duringRotation = { requests: 0, failures: 0 };

  before(async () => {
    stack = await startRotationStack();
    for (const app of APPS) slotsBefore[app] = await slotView(stack, app);

    // Two subscriptions, so traffic arrives through both products while the keys change.
    const traffic = startSteadyLoad({
      gatewayUrl: stack.info.gatewayUrl,
      subscriptionKeys: [stack.info.subscriptionKey, stack.info.complianceSubscriptionKey],
      clients: CLIENTS,
    });
    try {
      // Past the apps' warm-up (first connections, JIT), so the rotation meets steady traffic.
      await traffic.waitForRequests(600, 60_000);
      const atStart = { requests: traffic.requests, failures: traffic.failures };
      cli = await runPatientctlProcess(['rotate-keys', '--target', 'local', '--data-dir', stack.dataDir, '--app', 'all', '--grace', '1', '--json']);
      duringRotation = { requests: traffic.requests - atStart.requests, failures: traffic.failures - atStart.failures };
      // Keep going a little after the revoke: a caller still on an old key would fail now.
      await traffic.waitForRequests(300, 30_000);
    } finally {
      load = await traffic.stop();
    }
    for (const app of APPS) slotsAfter[app] = await slotView(stack, app);

    console.log(`      load: ${describeLoad(load)}`);
    console.log(`      patientctl rotate-keys: exit ${cli.code} after ${(cli.ms / 1000).toFixed(1)} s (child process, tsx start-up included)`);
    console.log(`      while patientctl ran: ${duringRotation.requests} requests answered, ${duringRotation.failures} failed`);
    for (const app of APPS) {
      console.log(
        `      ${app}: slot ${slotsBefore[app]!.slot} (generation ${slotsBefore[app]!.generation}, keys ${slotsBefore[app]!.keyNames.join(',')}) → ` +
          `slot ${slotsAfter[app]!.slot} (generation ${slotsAfter[app]!.generation}, keys ${slotsAfter[app]!.keyNames.join(',')})`,
      );
    }
  });

  after(async () => {
    await stack?.dispose();
  });

  it(`serves every request of ${CLIENTS} concurrent clients while both keys rotate: 0 failed`, () => {
    expect(load.failed, 'failed requests').to.deep.equal([]);
    expect(load.failures).to.equal(0);
    expect(duringRotation.requests, 'requests answered while patientctl ran').to.be.greaterThan(100);
    expect(load.byStatus).to.have.all.keys('200', '201');
    // Both kinds of traffic ran: reads and writes.
    for (const operation of ['create', 'read', 'update', 'search', 'add-test', 'list-tests'] as const) {
      expect(load.byOperation[operation], operation).to.be.greaterThan(0);
    }
  });

  it('exits 0 and its JSON says both apps rotated to the other slot', () => {
    expect(cli.code, cli.stderr).to.equal(0);
    const result = parseJsonOutput(cli);
    expect(result.ok).to.equal(true);
    expect(result.apps?.map((a) => [a.app, a.outcome, a.fromSlot, a.toSlot, a.generation])).to.deep.equal([
      ['patient-api', 'rotated', 'a', 'b', 2],
      ['audit-api', 'rotated', 'a', 'b', 2],
    ]);
    expect(cli.stdout + cli.stderr, 'no key value in the output').not.to.contain(slotsBefore['patient-api']!.key);
    expect(cli.stdout + cli.stderr).not.to.contain(slotsAfter['audit-api']!.key);
  });

  it('leaves exactly the new slot valid, recorded as complete in each secret', () => {
    for (const app of APPS) {
      expect(slotsBefore[app]!.keyNames, app).to.deep.equal(['caller-a']);
      expect(slotsAfter[app]!.keyNames, app).to.deep.equal(['caller-b']);
      expect(slotsAfter[app]!.key, app).not.to.equal(slotsBefore[app]!.key);
      expect([slotsAfter[app]!.slot, slotsAfter[app]!.journal], app).to.deep.equal(['b', 'complete']);
    }
  });

  it('rejects the old gateway key at the Patient API (401) and accepts the new one', async () => {
    expect(await stack.callPatientApi(slotsBefore['patient-api']!.key)).to.equal(401);
    expect(await stack.callPatientApi(slotsAfter['patient-api']!.key)).to.equal(200);
  });

  it("rejects the Patient API's old key at the Audit API (401) and accepts the new one", async () => {
    expect(await stack.callAuditApi(slotsBefore['audit-api']!.key)).to.equal(401);
    expect(await stack.callAuditApi(slotsAfter['audit-api']!.key)).to.equal(200);
  });

  it('keeps answering through the gateway afterwards', async () => {
    expect(await stack.probeGateway()).to.equal(200);
  });

  it('would notice a caller left on a revoked key (control run: the gateway\'s key deleted by hand)', async () => {
    const key = slotsAfter['patient-api']!;
    const traffic = startSteadyLoad({ gatewayUrl: stack.info.gatewayUrl, subscriptionKeys: [stack.info.subscriptionKey], clients: 4 });
    let report: LoadReport;
    try {
      await traffic.waitForRequests(20);
      expect((await stack.arm('DELETE', `patient-api:/host/default/functionKeys/${key.keyNames[0]}`)).status).to.equal(204);
      await traffic.waitForRequests(20);
    } finally {
      await stack.arm('PUT', `patient-api:/host/default/functionKeys/${key.keyNames[0]}`, undefined, { properties: { name: key.keyNames[0], value: key.key } });
      report = await traffic.stop();
    }
    expect(report.failures).to.be.greaterThan(0);
    expect(report.byStatus['401']).to.be.greaterThan(0);
    expect(await stack.probeGateway()).to.equal(200);
  });
});
