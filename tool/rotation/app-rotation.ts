import { hostKeyName } from '../../contracts/host-keys';
import { VerificationFailedError } from '../errors';
import type { ProbeResult } from './port';
import type { AppRotationResult, RotationOutcome } from './rotation-result';
import { otherSlot, type ActiveKey, type RotationState } from './rotation-state';
import { callerName, describeProbe, type AppView, type RotationSteps } from './rotation-steps';

/**
 * One app's rotation through the two-slot scheme (docs/patientctl.md, Rotation): a new key in the
 * other slot, the secret switched to it, the caller refreshed and verified, the old slot revoked.
 * Safe to re-run after a crash at any step: the journal in the secret's tags says where to resume,
 * and every write keeps the key the caller holds (and the key in the secret) a valid host key.
 */
export class AppRotation {
  constructor(
    private readonly steps: RotationSteps,
    private view: AppView,
  ) {}

  async run(): Promise<AppRotationResult> {
    const { state, active } = this.view;
    if (state?.step === 'rollback' && active) {
      if (this.steps.options.dryRun) return this.plan('finish the interrupted rollback, then rotate');
      await this.finishRollback(state, active);
      this.view = await this.steps.observe(this.view.app);
    }
    if (this.view.state?.step === 'pending' && this.view.active) {
      if (this.steps.options.dryRun) return this.plan('resume the interrupted rotation');
      const pending = { ...this.view.state, slot: this.view.active.slot };
      this.steps.note(`resuming the rotation to slot ${pending.slot} (generation ${pending.generation})`);
      return this.completeSwitch(pending, this.view.active.value, 'resumed');
    }
    if (this.steps.options.dryRun) return this.plan('start a new rotation');
    return this.start();
  }

  private plan(intent: string): AppRotationResult {
    const { app, secretName, state, active } = this.view;
    const resuming = state?.step === 'pending';
    const toSlot = resuming && active ? active.slot : otherSlot(active?.slot ?? 'b');
    const generation = resuming ? state.generation : (state?.generation ?? 0) + 1;
    const steps = [
      intent,
      `create host key ${hostKeyName(toSlot)} on ${app} (both slots valid)`,
      `write it to secret ${secretName} tagged slot=${toSlot}, generation=${generation}`,
      `make ${callerName(app)} pick it up`,
      `verify through the gateway (${this.steps.options.probeCount} requests)`,
      `wait ${this.steps.options.graceSeconds}s, then revoke host key ${hostKeyName(otherSlot(toSlot))}`,
      'verify again',
      `delete ${app}'s host and function default keys, regenerate its master key`,
    ];
    return { app, secretName, outcome: 'planned', fromSlot: resuming ? (state.previousSlot ?? null) : (active?.slot ?? null), toSlot, generation, steps };
  }

  private async start(): Promise<AppRotationResult> {
    const { app, secretName, state, active } = this.view;
    // The rotation only starts from a secret holding a host key; anything else is bootstrapped first.
    const from = active!;
    const toSlot = otherSlot(from.slot);
    const generation = (state?.generation ?? 0) + 1;
    const newKey = this.steps.newKey();
    await this.steps.port.putHostKey(app, hostKeyName(toSlot), newKey);
    this.steps.note(`created host key ${hostKeyName(toSlot)} on ${app}`);
    const pending: RotationState = { slot: toSlot, generation, step: 'pending', previousSlot: from.slot };
    await this.steps.writeSecret(this.view, newKey, pending);
    this.steps.note(`wrote ${secretName} (slot ${toSlot}, generation ${generation})`);
    return this.completeSwitch(pending, newKey, 'rotated');
  }

  /** Steps 4–6, from a secret that already holds the new key. */
  private async completeSwitch(state: RotationState, newKey: string, outcome: RotationOutcome): Promise<AppRotationResult> {
    const { app, secretName } = this.view;
    const port = this.steps.port;
    const oldSlot = otherSlot(state.slot);
    const oldName = hostKeyName(oldSlot);
    const oldKey = state.previousSlot === oldSlot ? this.view.keys.functionKeys[oldName] : undefined;

    await this.steps.refreshCaller(app, 'new');
    const verification = await this.steps.verify({ [app]: newKey });
    if (!verification.ok) {
      if (oldKey === undefined) {
        throw new VerificationFailedError(
          `${app}: requests through the gateway fail with the new key (${describeProbe(verification.probe)}), and there is no earlier valid key to go back to`,
        );
      }
      await this.rollBack(state, { slot: oldSlot, value: oldKey });
      throw new VerificationFailedError(`${app}: requests through the gateway fail with the new key (${describeProbe(verification.probe)}); rolled back to slot ${oldSlot}`);
    }

    await this.steps.waitGrace(oldName);
    await port.deleteHostKey(app, oldName);
    this.steps.note(`revoked host key ${oldName} on ${app}`);

    const afterRevoke: ProbeResult = await port.probeGateway(this.steps.options.probeCount);
    if (afterRevoke.failures > 0) {
      if (oldKey !== undefined) {
        // Something still used the old key: bring it back so callers keep working; a re-run resumes.
        await port.putHostKey(app, oldName, oldKey);
        this.steps.note(`restored host key ${oldName} on ${app}`);
      }
      throw new VerificationFailedError(
        `${app}: requests fail after revoking ${oldName} (${describeProbe(afterRevoke)})${oldKey !== undefined ? '; the old key was restored, re-run to finish' : ''}`,
      );
    }

    await this.steps.secureHost(this.view);
    await this.steps.writeSecret(this.view, newKey, { slot: state.slot, generation: state.generation, step: 'complete' });
    this.steps.note(`${app} now uses slot ${state.slot} (generation ${state.generation})`);
    return {
      app,
      secretName,
      outcome,
      fromSlot: state.previousSlot ?? null,
      toSlot: state.slot,
      generation: state.generation,
      steps: this.steps.lines,
      verification: verification.probe,
      afterRevoke,
    };
  }

  private async rollBack(state: RotationState, old: ActiveKey): Promise<void> {
    const back: RotationState = { slot: old.slot, generation: state.generation - 1, step: 'rollback', previousSlot: state.slot };
    await this.steps.writeSecret(this.view, old.value, back);
    this.steps.note(`rolling back: wrote the slot ${old.slot} key back to ${this.view.secretName}`);
    await this.finishRollback(back, old);
  }

  /** Puts the caller back on the slot the secret holds and deletes the abandoned slot. */
  private async finishRollback(state: RotationState, kept: ActiveKey): Promise<void> {
    const { app } = this.view;
    await this.steps.refreshCaller(app, 'old');
    if (state.previousSlot && state.previousSlot !== kept.slot) {
      const abandoned = hostKeyName(state.previousSlot);
      // Caller instances that already switched to the abandoned key need the same grace as on the way forward.
      await this.steps.waitGrace(abandoned);
      await this.steps.port.deleteHostKey(app, abandoned);
      this.steps.note(`deleted host key ${abandoned} on ${app}`);
    }
    await this.steps.writeSecret(this.view, kept.value, { slot: kept.slot, generation: state.generation, step: 'complete' });
    this.steps.note(`${app} is back on slot ${kept.slot}`);
  }
}
