import { expect } from 'chai';
import { VerificationFailedError } from '../../../tool/errors';
import type { CalleeApp } from '../../../tool/rotation/port';
import { rotateKeys, type RotateKeysOptions, type RotationResult } from '../../../tool/rotation/rotate-keys';
import { HOST_KEY_SECRET } from '../../../tool/rotation/rotation-state';
import { InMemoryPlatform, SimulatedCrash } from './in-memory-port';

const OPTIONS: RotateKeysOptions = {
  apps: ['patient-api', 'audit-api'],
  dryRun: false,
  graceSeconds: 2,
  probeCount: 3,
  verifyAttempts: 2,
  verifyIntervalSeconds: 1,
};

function run(platform: InMemoryPlatform, options: Partial<RotateKeysOptions> = {}, lines: string[] = []): Promise<RotationResult> {
  let counter = 0;
  return rotateKeys(
    {
      port: platform,
      log: (line) => lines.push(line),
      sleep: () => Promise.resolve(),
      newKey: () => `new-key-${++counter}-${Math.random().toString(36).slice(2)}`,
    },
    { ...OPTIONS, ...options },
  );
}

function expectSettled(platform: InMemoryPlatform, app: CalleeApp): void {
  const secret = platform.currentSecret(HOST_KEY_SECRET[app])!;
  const keys = platform.hostKeys[app];
  expect(secret.tags.rotation, `${app} journal`).to.equal('complete');
  expect([...keys.keys()], `${app} host keys`).to.deep.equal([`caller-${secret.tags.slot}`]);
  expect(keys.get(`caller-${secret.tags.slot}`)).to.equal(secret.value);
  expect(platform.callerHolds[app], `key held by the caller of ${app}`).to.equal(secret.value);
}

describe('rotateKeys (in-memory platform)', () => {
  it('rotates both apps: new slot, new generation, caller switched, old slot revoked', async () => {
    const platform = InMemoryPlatform.seeded();
    const lines: string[] = [];
    const result = await run(platform, {}, lines);

    expect(result.apps.map((app) => [app.app, app.outcome, app.fromSlot, app.toSlot, app.generation])).to.deep.equal([
      ['patient-api', 'rotated', 'a', 'b', 2],
      ['audit-api', 'rotated', 'a', 'b', 2],
    ]);
    for (const app of ['patient-api', 'audit-api'] as const) {
      expectSettled(platform, app);
      expect(platform.callerHolds[app]).to.not.equal(`${app}-initial`);
      expect(platform.currentSecret(HOST_KEY_SECRET[app])!.tags).to.deep.include({ slot: 'b', generation: '2' });
    }
    expect(platform.violations).to.deep.equal([]);
    expect(lines.join('\n')).to.not.match(/new-key-/);
  });

  it('uses the right caller refresh for each app, in the order of DESIGN §8', async () => {
    const platform = InMemoryPlatform.seeded();
    await run(platform, { apps: ['patient-api'] });
    expect(platform.mutatingCalls()).to.deep.equal([
      'putHostKey patient-api caller-b',
      'writeSecret patient-api-host-key pending',
      'refreshNamedValue patient-api-host-key',
      'deleteHostKey patient-api caller-a',
      'writeSecret patient-api-host-key complete',
    ]);

    const audit = InMemoryPlatform.seeded();
    await run(audit, { apps: ['audit-api'] });
    expect(audit.mutatingCalls()).to.include('refreshKeyVaultReferences patient-api');
    expect(audit.hostKeys['patient-api'].get('caller-a')).to.equal('patient-api-initial');
  });

  it('alternates slots on successive rotations', async () => {
    const platform = InMemoryPlatform.seeded();
    await run(platform, { apps: ['audit-api'] });
    const second = await run(platform, { apps: ['audit-api'] });
    expect(second.apps[0]).to.deep.include({ fromSlot: 'b', toSlot: 'a', generation: 3 });
    expectSettled(platform, 'audit-api');
  });

  for (const app of ['patient-api', 'audit-api'] as const) {
    it(`${app}: a crash after any call, then a re-run, completes with every caller holding a valid key throughout`, async () => {
      const clean = InMemoryPlatform.seeded();
      await run(clean, { apps: [app] });
      const totalCalls = clean.calls.length;
      expect(totalCalls).to.be.greaterThan(8);

      for (let crashAt = 1; crashAt <= totalCalls; crashAt++) {
        const platform = InMemoryPlatform.seeded();
        platform.crashAfterCall = crashAt;
        let crashed = false;
        try {
          await run(platform, { apps: [app] });
        } catch (error) {
          expect(error, `crash at call ${crashAt}`).to.be.instanceOf(SimulatedCrash);
          crashed = true;
        }
        if (crashed) await run(platform, { apps: [app] });
        expect(platform.violations, `crash after call ${crashAt} (${clean.calls[crashAt - 1]})`).to.deep.equal([]);
        expectSettled(platform, app);
        expect(Number(platform.currentSecret(HOST_KEY_SECRET[app])!.tags.generation)).to.be.greaterThanOrEqual(2);
        expect(platform.callerHolds[app]).to.not.equal(`${app}-initial`);
      }
    });
  }

  it('resumes an interrupted rotation instead of starting another one', async () => {
    const platform = InMemoryPlatform.seeded();
    platform.crashAfterCall = 4; // readSecret, listHostKeys, putHostKey, writeSecret(pending)
    await run(platform, { apps: ['patient-api'] }).catch(() => undefined);
    expect(platform.currentSecret('patient-api-host-key')!.tags.rotation).to.equal('pending');
    const result = await run(platform, { apps: ['patient-api'] });
    expect(result.apps[0]).to.deep.include({ outcome: 'resumed', toSlot: 'b', generation: 2 });
    expectSettled(platform, 'patient-api');
  });

  it('rolls back when verification fails: callers keep the old key, the new slot is deleted, exit is an error', async () => {
    const platform = InMemoryPlatform.seeded();
    const originalKey = 'audit-api-initial';
    const realPut = platform.putHostKey.bind(platform);
    platform.putHostKey = async (app, name, value) => {
      if (name === 'caller-b') platform.rejectedKeys.add(value);
      platform.checkSecrets = false; // the rejected key sits in the secret until rollback; callers are what matter
      return realPut(app, name, value);
    };

    const lines: string[] = [];
    let caught: unknown;
    try {
      await run(platform, { apps: ['audit-api'] }, lines);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(VerificationFailedError);
    expect((caught as VerificationFailedError).exitCode).to.equal(6);
    expect((caught as Error).message).to.match(/rolled back to slot a/);
    // Callers that already switched get the grace period before the abandoned key goes.
    const rollbackLines = lines.slice(lines.findIndex((line) => line.startsWith('rolling back')));
    expect(rollbackLines.findIndex((line) => line === 'waiting 2s before revoking caller-b')).to.be.greaterThan(-1);
    expect(rollbackLines.findIndex((line) => line === 'waiting 2s before revoking caller-b')).to.be.lessThan(
      rollbackLines.findIndex((line) => line.startsWith('deleted host key caller-b')),
    );
    expect(rollbackLines).to.include('asked the Patient API (its Key Vault references) to pick up the old key');
    expect(Object.fromEntries(platform.hostKeys['audit-api'])).to.deep.equal({ 'caller-a': originalKey });
    expect(platform.callerHolds['audit-api']).to.equal(originalKey);
    expect(platform.currentSecret('audit-api-host-key')).to.deep.equal({
      value: originalKey,
      tags: { slot: 'a', generation: '1', rotation: 'complete' },
    });
    expect(platform.mutatingCalls()).to.not.include('deleteHostKey audit-api caller-a');
  });

  it('restores the old key when requests fail after the revoke', async () => {
    const platform = InMemoryPlatform.seeded();
    const realDelete = platform.deleteHostKey.bind(platform);
    let stale: string | undefined;
    platform.deleteHostKey = async (app, name) => {
      // A caller instance that never refreshed still sends the old key.
      stale = platform.hostKeys[app].get(name);
      await realDelete(app, name);
      platform.callerHolds[app] = stale;
    };
    platform.violations.length = 0;
    const error = await run(platform, { apps: ['patient-api'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(VerificationFailedError);
    expect((error as Error).message).to.match(/old key was restored/);
    expect(platform.hostKeys['patient-api'].get('caller-a')).to.equal(stale);
    expect(platform.currentSecret('patient-api-host-key')!.tags.rotation).to.equal('pending');
  });

  it('dry run reports the plan and changes nothing', async () => {
    const platform = InMemoryPlatform.seeded();
    const before = JSON.stringify([...platform.secrets]);
    const result = await run(platform, { dryRun: true });
    expect(result.dryRun).to.equal(true);
    expect(result.apps.map((app) => [app.outcome, app.fromSlot, app.toSlot, app.generation])).to.deep.equal([
      ['planned', 'a', 'b', 2],
      ['planned', 'a', 'b', 2],
    ]);
    expect(result.apps[0].steps.join('\n')).to.match(/create host key caller-b/);
    expect(platform.mutatingCalls()).to.deep.equal([]);
    expect(JSON.stringify([...platform.secrets])).to.equal(before);
  });

  it('issues a first key when the secret matches no host key (fresh stack)', async () => {
    const platform = new InMemoryPlatform();
    platform.checkSecrets = false;
    platform.secrets.set('patient-api-host-key', [{ value: 'placeholder', tags: {} }]);
    platform.hostKeys['patient-api'].set('caller-b', 'stale');
    platform.hostKeys['audit-api'].set('caller-a', 'audit');
    platform.callerHolds['audit-api'] = 'audit';
    const result = await run(platform, { apps: ['patient-api'] });
    expect(result.apps[0]).to.deep.include({ fromSlot: null, toSlot: 'a', generation: 1 });
    expectSettled(platform, 'patient-api');
  });
});
