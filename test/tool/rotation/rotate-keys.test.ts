import { expect } from 'chai';
import { APP_NAMES } from '../../../contracts/apps';
import { VerificationFailedError } from '../../../tool/errors';
import type { CalleeApp } from '../../../tool/rotation/port';
import { rotateKeys, type RotateKeysOptions, type RotationResult } from '../../../tool/rotation/rotate-keys';
import { keyHash, rotationTags } from '../../../tool/rotation/rotation-state';
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

/** One key authorizes calls to the app: the slot the secret names, held by the caller; no default key, no key of a function. */
async function expectSettled(platform: InMemoryPlatform, app: CalleeApp): Promise<void> {
  const tags = (await platform.secretTags(app))!;
  const value = platform.secretValue(app)!;
  expect(tags.rotation, `${app} journal`).to.equal('complete');
  expect(tags.valueSha256, `${app} value hash`).to.equal(keyHash(value));
  expect(platform.hostKeys(app), `${app} host keys`).to.deep.equal({ [`caller-${tags.slot}`]: value });
  expect(platform.callerHolds(app), `key held by the caller of ${app}`).to.equal(value);
  const site = platform.stack.sites[app].keys;
  for (const name of site.functionNames()) expect(site.functionKeys(name), `${app} ${name} keys`).to.deep.equal({});
}

describe('rotateKeys (in-memory platform)', () => {
  it('rotates both apps: new slot, new generation, caller switched, old slot revoked', async () => {
    const platform = await InMemoryPlatform.seeded();
    const lines: string[] = [];
    const result = await run(platform, {}, lines);

    expect(result.apps.map((app) => [app.app, app.outcome, app.fromSlot, app.toSlot, app.generation])).to.deep.equal([
      ['patient-api', 'rotated', 'a', 'b', 2],
      ['audit-api', 'rotated', 'a', 'b', 2],
    ]);
    for (const app of APP_NAMES) {
      await expectSettled(platform, app);
      expect(platform.callerHolds(app)).to.not.equal(`${app}-initial`);
      expect(await platform.secretTags(app)).to.deep.include({ slot: 'b', generation: '2' });
    }
    expect(platform.violations).to.deep.equal([]);
    expect(lines.join('\n')).to.not.match(/new-key-/);
  });

  it('makes the calls of the documented order, refreshing the right caller, and never reads a secret value', async () => {
    const platform = await InMemoryPlatform.seeded();
    await run(platform, { apps: ['patient-api'] });
    expect(platform.mutatingCalls()).to.deep.equal([
      'putHostKey patient-api caller-b',
      'writeSecret patient-api-host-key pending',
      'refreshNamedValue patient-api-host-key',
      'deleteHostKey patient-api caller-a',
      'deleteHostKey patient-api default',
      'regenerateMasterKey patient-api',
      'writeSecret patient-api-host-key complete',
    ]);

    const audit = await InMemoryPlatform.seeded();
    await run(audit, { apps: ['audit-api'] });
    expect(audit.mutatingCalls()).to.include('refreshKeyVaultReferences patient-api');
    expect(audit.hostKeys('patient-api')).to.deep.equal({ 'caller-a': 'patient-api-initial' });
  });

  it('alternates slots on successive rotations', async () => {
    const platform = await InMemoryPlatform.seeded();
    await run(platform, { apps: ['audit-api'] });
    const second = await run(platform, { apps: ['audit-api'] });
    expect(second.apps[0]).to.deep.include({ fromSlot: 'b', toSlot: 'a', generation: 3 });
    await expectSettled(platform, 'audit-api');
  });

  for (const app of APP_NAMES) {
    it(`${app}: a crash after any call, then a re-run, completes with every caller holding a valid key throughout`, async () => {
      const clean = await InMemoryPlatform.seeded();
      await run(clean, { apps: [app] });
      const totalCalls = clean.calls.length;
      expect(totalCalls).to.be.greaterThan(12);

      for (let crashAt = 1; crashAt <= totalCalls; crashAt++) {
        const platform = await InMemoryPlatform.seeded();
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
        await expectSettled(platform, app);
        expect(Number((await platform.secretTags(app))!.generation)).to.be.greaterThanOrEqual(2);
        expect(platform.callerHolds(app)).to.not.equal(`${app}-initial`);
      }
    });
  }

  it('resumes an interrupted rotation instead of starting another one', async () => {
    const platform = await InMemoryPlatform.seeded();
    platform.crashAfterCall = 6; // both apps observed (4 calls), putHostKey, writeSecret(pending)
    await run(platform, { apps: ['patient-api'] }).catch(() => undefined);
    expect((await platform.secretTags('patient-api'))!.rotation).to.equal('pending');
    const result = await run(platform, { apps: ['patient-api'] });
    expect(result.apps[0]).to.deep.include({ outcome: 'resumed', toSlot: 'b', generation: 2 });
    await expectSettled(platform, 'patient-api');
  });

  it('rolls back when verification fails: callers keep the old key, the new slot is deleted, exit is an error', async () => {
    const platform = await InMemoryPlatform.seeded();
    const originalKey = 'audit-api-initial';
    const realPut = platform.putHostKey.bind(platform);
    platform.putHostKey = async (app, name, value) => {
      if (name === 'caller-b') platform.rejectedKeys.add(value);
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
    expect(platform.hostKeys('audit-api')).to.deep.equal({ 'caller-a': originalKey });
    expect(platform.callerHolds('audit-api')).to.equal(originalKey);
    expect(platform.secretValue('audit-api')).to.equal(originalKey);
    expect(await platform.secretTags('audit-api')).to.deep.equal(rotationTags({ slot: 'a', generation: 1, step: 'complete' }, originalKey));
    expect(platform.mutatingCalls()).to.not.include('deleteHostKey audit-api caller-a');
  });

  it('restores the old key when requests fail after the revoke', async () => {
    const platform = await InMemoryPlatform.seeded();
    const realDelete = platform.deleteHostKey.bind(platform);
    let stale: string | undefined;
    platform.deleteHostKey = async (app, name) => {
      // A caller instance that never refreshed still sends the old key.
      if (name === 'caller-a') {
        stale = platform.hostKeys(app)[name];
        platform.rejectedKeys.add(platform.callerHolds(app)!);
      }
      await realDelete(app, name);
    };
    const error = await run(platform, { apps: ['patient-api'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(VerificationFailedError);
    expect((error as Error).message).to.match(/old key was restored/);
    expect(platform.hostKeys('patient-api')['caller-a']).to.equal(stale);
    expect((await platform.secretTags('patient-api'))!.rotation).to.equal('pending');
  });

  it('dry run reports the plan and changes nothing', async () => {
    const platform = await InMemoryPlatform.seeded();
    const result = await run(platform, { dryRun: true });
    expect(result.dryRun).to.equal(true);
    expect(result.apps.map((app) => [app.outcome, app.fromSlot, app.toSlot, app.generation])).to.deep.equal([
      ['planned', 'a', 'b', 2],
      ['planned', 'a', 'b', 2],
    ]);
    expect(result.apps[0].steps.join('\n')).to.match(/create host key caller-b/);
    expect(platform.mutatingCalls()).to.deep.equal([]);
  });

  describe('a fresh stack, as after the first pulumi up (placeholders, no caller keys)', () => {
    for (const asked of [['patient-api'], ['audit-api'], ['patient-api', 'audit-api']] as CalleeApp[][]) {
      it(`--app ${asked.join(',')}: bootstraps both apps in one verification, then a rotation works`, async () => {
        const platform = new InMemoryPlatform();
        expect(platform.stack.searchSucceeds()).to.equal(false);
        const result = await run(platform, { apps: asked });
        expect(result.apps.map((app) => [app.app, app.outcome, app.fromSlot, app.toSlot, app.generation])).to.deep.equal([
          ['patient-api', 'bootstrapped', null, 'a', 1],
          ['audit-api', 'bootstrapped', null, 'a', 1],
        ]);
        for (const app of APP_NAMES) await expectSettled(platform, app);
        expect(platform.violations).to.deep.equal([]);
        expect(platform.calls.filter((call) => call === 'probeGateway')).to.have.length(1);
        expect(platform.stack.searchSucceeds()).to.equal(true);

        const second = await run(platform, { apps: asked });
        expect(second.apps.map((app) => [app.app, app.outcome, app.toSlot, app.generation])).to.deep.equal(asked.map((app) => [app, 'rotated', 'b', 2]));
        for (const app of APP_NAMES) await expectSettled(platform, app);
      });
    }

    it('a crash after any call of the bootstrap, then a re-run, ends settled; no caller or secret goes back to an invalid key', async () => {
      const clean = new InMemoryPlatform();
      await run(clean, { apps: [] });
      const totalCalls = clean.calls.length;
      expect(totalCalls).to.be.greaterThan(20);
      for (let crashAt = 1; crashAt <= totalCalls; crashAt++) {
        const platform = new InMemoryPlatform();
        platform.crashAfterCall = crashAt;
        const crashed = await run(platform, { apps: [] }).then(
          () => false,
          (error: unknown) => {
            expect(error, `crash at call ${crashAt}`).to.be.instanceOf(SimulatedCrash);
            return true;
          },
        );
        if (crashed) {
          const rerun = await run(platform, { apps: [] });
          expect(rerun.apps.every((app) => app.outcome === 'bootstrapped'), `re-run after call ${crashAt}`).to.equal(true);
        }
        expect(platform.violations, `crash after call ${crashAt} (${clean.calls[crashAt - 1]})`).to.deep.equal([]);
        for (const app of APP_NAMES) await expectSettled(platform, app);
      }
    });

    it('removes every default key and replaces the master key, also a function default a failed call created', async () => {
      const platform = new InMemoryPlatform();
      const masters = Object.fromEntries(APP_NAMES.map((app) => [app, platform.stack.sites[app].keys.hostSecrets().masterKey]));
      // A call with the placeholder matched no host key, so the host made the function's default key.
      expect(platform.stack.sites['patient-api'].keys.authorizationLevel(platform.callerHolds('patient-api'), 'searchPatients')).to.equal('anonymous');
      expect(platform.stack.sites['patient-api'].keys.keyNames().functions).to.deep.equal({ searchpatients: ['default'] });
      await run(platform, { apps: [] });
      for (const app of APP_NAMES) {
        const keys = platform.stack.sites[app].keys;
        expect(keys.hostSecrets().masterKey, `${app} master`).to.not.equal(masters[app]);
        expect(Object.keys(keys.hostSecrets().functionKeys)).to.deep.equal(['caller-a']);
        // Every function has its key document, empty: no default key is generated for it again.
        expect(Object.values(keys.keyNames().functions).flat(), app).to.deep.equal([]);
        expect(Object.keys(keys.keyNames().functions)).to.have.length(keys.functionNames().length);
      }
    });

    it('fails verification without a way back when the stack cannot serve (exit 6), and a re-run resumes the bootstrap', async () => {
      const platform = new InMemoryPlatform();
      const realProbe = platform.probeGateway.bind(platform);
      let down = true;
      platform.probeGateway = (count) => (down ? Promise.resolve({ successes: 0, failures: count }) : realProbe(count));
      const error = await run(platform, { apps: ['patient-api'] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(VerificationFailedError);
      expect((error as Error).message).to.match(/^bootstrap: requests through the gateway fail with the first keys .*re-run rotate-keys/);
      expect((await platform.secretTags('audit-api'))!.rotation).to.equal('bootstrap');
      down = false;
      const lines: string[] = [];
      const result = await run(platform, { apps: ['patient-api'] }, lines);
      expect(lines).to.include('resuming the bootstrap of patient-api: patient-api-host-key holds its key in slot a');
      expect(result.apps.map((app) => app.outcome)).to.deep.equal(['bootstrapped', 'bootstrapped']);
      for (const app of APP_NAMES) await expectSettled(platform, app);
    });

    it('bootstraps only the app whose active key was deleted behind its back, into the free slot', async () => {
      const platform = await InMemoryPlatform.seeded();
      await run(platform, { apps: ['audit-api'] });
      platform.stack.sites['audit-api'].keys.deleteHostKey('functionKeys', 'caller-b');
      const result = await run(platform, { apps: ['patient-api'] });
      expect(result.apps.map((app) => [app.app, app.outcome, app.toSlot, app.generation])).to.deep.equal([
        ['audit-api', 'bootstrapped', 'a', 3],
        ['patient-api', 'rotated', 'b', 2],
      ]);
      for (const app of APP_NAMES) await expectSettled(platform, app);
    });

    it('plans the bootstrap on a dry run, changing nothing', async () => {
      const platform = new InMemoryPlatform();
      const result = await run(platform, { dryRun: true, apps: ['audit-api'] });
      expect(result.apps.map((app) => [app.app, app.outcome, app.toSlot])).to.deep.equal([
        ['patient-api', 'planned', 'a'],
        ['audit-api', 'planned', 'a'],
      ]);
      expect(result.apps[0].steps[0]).to.equal('bootstrap: patient-api-host-key holds no host key of patient-api');
      expect(platform.mutatingCalls()).to.deep.equal([]);
    });
  });

  it('names keys rotation does not manage, without their values', async () => {
    const platform = await InMemoryPlatform.seeded();
    platform.stack.sites['patient-api'].keys.setHostKey('functionKeys', 'debugging', 'debugging-key-0123456789');
    platform.stack.sites['patient-api'].keys.setFunctionKey('health', 'monitor', 'monitor-key-0123456789');
    const lines: string[] = [];
    await run(platform, { apps: ['patient-api'] }, lines);
    expect(lines).to.include('warning: patient-api has keys rotation does not manage, which still authorize calls: debugging, health/monitor');
    expect(lines.join('\n')).to.not.contain('-key-0123456789');
  });
});
