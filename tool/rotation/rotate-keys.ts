import { randomBytes } from 'node:crypto';
import { VerificationFailedError } from '../errors';
import type { CalleeApp, ProbeResult, RotationPort, Slot } from './port';
import {
  HOST_KEY_SECRET,
  hostKeyName,
  otherSlot,
  parseRotationState,
  secretVersion,
  type RotationState,
} from './rotation-state';

export interface RotateKeysDeps {
  port: RotationPort;
  /** Progress lines for people; never given a key value. */
  log: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  /** New host key values; injectable so tests can recognise them. */
  newKey?: () => string;
}

export interface RotateKeysOptions {
  apps: readonly CalleeApp[];
  dryRun: boolean;
  /** Seconds between a verified switch and revoking the old key. */
  graceSeconds: number;
  /** Requests per probe. */
  probeCount: number;
  /** Probes tried before a verification counts as failed. */
  verifyAttempts: number;
  /** Seconds between verification attempts. */
  verifyIntervalSeconds: number;
}

export type RotationOutcome = 'rotated' | 'resumed' | 'planned';

export interface AppRotationResult {
  app: CalleeApp;
  secretName: string;
  outcome: RotationOutcome;
  fromSlot: Slot | null;
  toSlot: Slot;
  generation: number;
  steps: string[];
  verification?: ProbeResult;
  afterRevoke?: ProbeResult;
}

export interface RotationResult {
  target: string;
  dryRun: boolean;
  apps: AppRotationResult[];
}

/** How each callee's single caller picks up a new key (DESIGN §8 step 4). */
const CALLER: Record<CalleeApp, { name: string; refresh(port: RotationPort): Promise<void> }> = {
  'patient-api': {
    name: 'the gateway (named value patient-api-host-key)',
    refresh: (port) => port.refreshNamedValue(HOST_KEY_SECRET['patient-api']),
  },
  'audit-api': {
    name: "the Patient API (its Key Vault references)",
    refresh: (port) => port.refreshKeyVaultReferences('patient-api'),
  },
};

function defaultNewKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Rotates the host keys of the given apps, one app after the other, through the
 * two-slot scheme of DESIGN §8. Safe to re-run after a crash at any step: the
 * journal in the secret's tags says where to resume, and every write keeps the
 * key the caller holds (and the key in the secret) a valid host key.
 */
export async function rotateKeys(deps: RotateKeysDeps, options: RotateKeysOptions): Promise<RotationResult> {
  const apps: AppRotationResult[] = [];
  for (const app of options.apps) {
    apps.push(await new AppRotation(deps, options, app).run());
  }
  return { target: deps.port.description, dryRun: options.dryRun, apps };
}

interface Observed {
  secretValue: string | undefined;
  state: RotationState | undefined;
  keys: Record<string, string>;
}

class AppRotation {
  private readonly secretName: string;
  private readonly steps: string[] = [];

  constructor(
    private readonly deps: RotateKeysDeps,
    private readonly options: RotateKeysOptions,
    private readonly app: CalleeApp,
  ) {
    this.secretName = HOST_KEY_SECRET[app];
  }

  async run(): Promise<AppRotationResult> {
    let observed = await this.observe();
    if (observed.state?.step === 'rollback') {
      if (this.options.dryRun) return this.plan(observed, 'finish the interrupted rollback, then rotate');
      await this.finishRollback(observed.state, observed);
      observed = await this.observe();
    }
    if (observed.state?.step === 'pending' && observed.secretValue !== undefined) {
      if (this.options.dryRun) return this.plan(observed, 'resume the interrupted rotation');
      this.note(`resuming the rotation to slot ${observed.state.slot} (generation ${observed.state.generation})`);
      return this.completeSwitch(observed.state, observed.secretValue, 'resumed');
    }
    return this.startRotation(observed);
  }

  private async observe(): Promise<Observed> {
    const secret = await this.deps.port.readSecret(this.secretName);
    const keys = await this.deps.port.listHostKeys(this.app);
    return { secretValue: secret?.value, state: secret ? parseRotationState(secret.tags) : undefined, keys };
  }

  /** The slot whose key the caller is meant to hold now, if the secret and the host keys agree on one. */
  private activeSlot(observed: Observed): Slot | undefined {
    const { state, secretValue, keys } = observed;
    if (secretValue === undefined) return undefined;
    if (state && keys[hostKeyName(state.slot)] === secretValue) return state.slot;
    return (['a', 'b'] as const).find((slot) => keys[hostKeyName(slot)] === secretValue);
  }

  private plan(observed: Observed, intent: string): AppRotationResult {
    const active = this.activeSlot(observed);
    const toSlot = observed.state?.step === 'pending' ? observed.state.slot : active ? otherSlot(active) : 'a';
    const generation = observed.state?.step === 'pending' ? observed.state.generation : (observed.state?.generation ?? 0) + 1;
    const caller = CALLER[this.app];
    const steps = [
      intent,
      `create host key ${hostKeyName(toSlot)} on ${this.app} (both slots valid)`,
      `write it to secret ${this.secretName} tagged slot=${toSlot}, generation=${generation}`,
      `make ${caller.name} pick it up`,
      `verify through the gateway (${this.options.probeCount} requests)`,
      `wait ${this.options.graceSeconds}s, then revoke host key ${hostKeyName(otherSlot(toSlot))}`,
      'verify again',
    ];
    return {
      app: this.app,
      secretName: this.secretName,
      outcome: 'planned',
      fromSlot: active ?? null,
      toSlot,
      generation,
      steps,
    };
  }

  private async startRotation(observed: Observed): Promise<AppRotationResult> {
    const active = this.activeSlot(observed);
    if (this.options.dryRun) return this.plan(observed, 'start a new rotation');
    const toSlot: Slot = active ? otherSlot(active) : 'a';
    const generation = (observed.state?.generation ?? 0) + 1;
    if (!active) {
      this.note(`${this.secretName} matches no host key of ${this.app}: issuing a first key in slot ${toSlot}`);
    }
    const newKey = (this.deps.newKey ?? defaultNewKey)();
    await this.deps.port.putHostKey(this.app, hostKeyName(toSlot), newKey);
    this.note(`created host key ${hostKeyName(toSlot)} on ${this.app}`);
    const pending: RotationState = { slot: toSlot, generation, step: 'pending', previousSlot: active };
    await this.deps.port.writeSecret(this.secretName, secretVersion(newKey, pending));
    this.note(`wrote ${this.secretName} (slot ${toSlot}, generation ${generation})`);
    return this.completeSwitch(pending, newKey, 'rotated');
  }

  /** Steps 4–6 of DESIGN §8, from a secret that already holds the new key. */
  private async completeSwitch(state: RotationState, newKey: string, outcome: RotationOutcome): Promise<AppRotationResult> {
    const port = this.deps.port;
    const newName = hostKeyName(state.slot);
    const oldSlot = otherSlot(state.slot);
    const oldName = hostKeyName(oldSlot);
    const keys = await port.listHostKeys(this.app);
    if (keys[newName] !== newKey) {
      // The secret is ahead of the host keys (e.g. the key was deleted by hand): make its value valid again first.
      await port.putHostKey(this.app, newName, newKey);
      this.note(`restored host key ${newName} on ${this.app} to the value in ${this.secretName}`);
    }
    const oldKey = state.previousSlot === oldSlot ? keys[oldName] : undefined;

    await this.refreshCaller();
    const verification = await this.verify(newKey);
    if (!verification.ok) {
      if (oldKey === undefined) {
        throw new VerificationFailedError(
          `${this.app}: requests through the gateway fail with the new key (${describeProbe(verification.probe)}), and there is no earlier valid key to go back to`,
        );
      }
      await this.rollBack(state, oldSlot, oldKey);
      throw new VerificationFailedError(
        `${this.app}: requests through the gateway fail with the new key (${describeProbe(verification.probe)}); rolled back to slot ${oldSlot}`,
      );
    }

    await this.waitGrace(oldName);
    await port.deleteHostKey(this.app, oldName);
    this.note(`revoked host key ${oldName} on ${this.app}`);

    const afterRevoke = await port.probeGateway(this.options.probeCount);
    if (afterRevoke.failures > 0) {
      if (oldKey !== undefined) {
        // Something still used the old key: bring it back so callers keep working; a re-run resumes.
        await port.putHostKey(this.app, oldName, oldKey);
        this.note(`restored host key ${oldName} on ${this.app}`);
      }
      throw new VerificationFailedError(
        `${this.app}: requests fail after revoking ${oldName} (${describeProbe(afterRevoke)})${oldKey !== undefined ? '; the old key was restored, re-run to finish' : ''}`,
      );
    }

    await port.writeSecret(this.secretName, secretVersion(newKey, { slot: state.slot, generation: state.generation, step: 'complete' }));
    this.note(`${this.app} now uses slot ${state.slot} (generation ${state.generation})`);
    return {
      app: this.app,
      secretName: this.secretName,
      outcome,
      fromSlot: state.previousSlot ?? null,
      toSlot: state.slot,
      generation: state.generation,
      steps: this.steps,
      verification: verification.probe,
      afterRevoke,
    };
  }

  private async refreshCaller(which: 'new' | 'old' = 'new'): Promise<void> {
    await CALLER[this.app].refresh(this.deps.port);
    this.note(`asked ${CALLER[this.app].name} to pick up the ${which} key`);
  }

  /** Gives every caller instance time to re-read its key before `keyName` is revoked. */
  private async waitGrace(keyName: string): Promise<void> {
    if (this.options.graceSeconds <= 0) return;
    this.note(`waiting ${this.options.graceSeconds}s before revoking ${keyName}`);
    await this.deps.sleep(this.options.graceSeconds * 1000);
  }

  private async verify(newKey: string): Promise<{ ok: boolean; probe: ProbeResult }> {
    let probe: ProbeResult = { successes: 0, failures: 0 };
    for (let attempt = 1; attempt <= this.options.verifyAttempts; attempt++) {
      if (attempt > 1) await this.deps.sleep(this.options.verifyIntervalSeconds * 1000);
      probe = await this.deps.port.probeGateway(this.options.probeCount);
      const held = await this.deps.port.readCallerKey(this.app);
      const callerSwitched = held === undefined || held === newKey;
      if (probe.failures === 0 && probe.successes > 0 && callerSwitched) {
        this.note(`verified through the gateway: ${describeProbe(probe)}${held === undefined ? '' : ', caller holds the new key'}`);
        return { ok: true, probe };
      }
      this.note(`verification attempt ${attempt}: ${describeProbe(probe)}${callerSwitched ? '' : ', caller still holds another key'}`);
    }
    return { ok: false, probe };
  }

  private async rollBack(state: RotationState, oldSlot: Slot, oldKey: string): Promise<void> {
    const back: RotationState = { slot: oldSlot, generation: state.generation - 1, step: 'rollback', previousSlot: state.slot };
    await this.deps.port.writeSecret(this.secretName, secretVersion(oldKey, back));
    this.note(`rolling back: wrote the slot ${oldSlot} key back to ${this.secretName}`);
    await this.finishRollback(back, { secretValue: oldKey, state: back, keys: { [hostKeyName(oldSlot)]: oldKey } });
  }

  /** Puts the caller back on the slot named in the secret and deletes the abandoned slot. */
  private async finishRollback(state: RotationState, observed: Observed): Promise<void> {
    const port = this.deps.port;
    const keepName = hostKeyName(state.slot);
    const value = observed.secretValue;
    if (value === undefined) return;
    if (observed.keys[keepName] !== value) await port.putHostKey(this.app, keepName, value);
    await this.refreshCaller('old');
    if (state.previousSlot && state.previousSlot !== state.slot) {
      // Caller instances that already switched to the abandoned key need the same grace as on the way forward.
      await this.waitGrace(hostKeyName(state.previousSlot));
      await port.deleteHostKey(this.app, hostKeyName(state.previousSlot));
      this.note(`deleted host key ${hostKeyName(state.previousSlot)} on ${this.app}`);
    }
    await port.writeSecret(this.secretName, secretVersion(value, { slot: state.slot, generation: state.generation, step: 'complete' }));
    this.note(`${this.app} is back on slot ${state.slot}`);
  }

  private note(line: string): void {
    this.steps.push(line);
    this.deps.log(line);
  }
}

function describeProbe(probe: ProbeResult): string {
  return `${probe.successes} succeeded, ${probe.failures} failed`;
}
