import { HOST_KEY_SLOTS, hostKeyName, type Slot } from '../../contracts/host-keys';
import { VerificationFailedError } from '../errors';
import type { CalleeApp } from './port';
import type { AppRotationResult } from './rotation-result';
import { callerName, describeProbe, type AppView, type RotationSteps } from './rotation-steps';

interface Issued {
  view: AppView;
  slot: Slot;
  generation: number;
  value: string;
}

/** True when the app's secret holds none of its host keys (a fresh stack's placeholder), or a bootstrap of it is under way. */
export function needsBootstrap(view: AppView): boolean {
  return view.active === undefined || view.state?.step === 'bootstrap';
}

/**
 * The first keys of a stack whose secrets match no host key, as after the first `pulumi up`:
 * there is no working key to rotate from, and verification needs both keys at once (every
 * request through the gateway is audited), so every such app gets a key, its secret, and its
 * caller refreshed before one verification. Resumable like a rotation: the journal
 * `rotation=bootstrap` in the tags marks a secret that already holds its first key.
 */
export class Bootstrap {
  constructor(private readonly steps: RotationSteps) {}

  plan(views: readonly AppView[]): AppRotationResult[] {
    return views.map((view) => {
      const slot = firstSlot(view);
      const generation = (view.state?.generation ?? 0) + 1;
      return {
        app: view.app,
        secretName: view.secretName,
        outcome: 'planned',
        fromSlot: null,
        toSlot: slot,
        generation,
        steps: [
          `bootstrap: ${view.secretName} holds no host key of ${view.app}`,
          `create host key ${hostKeyName(slot)} on ${view.app}`,
          `write it to secret ${view.secretName} tagged slot=${slot}, generation=${generation}, rotation=bootstrap`,
          `make ${callerName(view.app)} pick it up`,
          `verify through the gateway once every app has its first key (${this.steps.options.probeCount} requests)`,
          `delete ${view.app}'s host and function default keys, regenerate its master key`,
        ],
      };
    });
  }

  async run(views: readonly AppView[]): Promise<AppRotationResult[]> {
    this.steps.note(`bootstrap: ${views.map((v) => v.secretName).join(' and ')} hold${views.length === 1 ? 's' : ''} no host key; issuing first keys`);
    const issued: Issued[] = [];
    for (const view of views) issued.push(await this.issue(view));
    for (const { view } of issued) await this.steps.refreshCaller(view.app, 'first');
    const expected: Partial<Record<CalleeApp, string>> = Object.fromEntries(issued.map(({ view, value }) => [view.app, value]));
    const verification = await this.steps.verify(expected);
    if (!verification.ok) {
      throw new VerificationFailedError(
        `bootstrap: requests through the gateway fail with the first keys (${describeProbe(verification.probe)}); there is no earlier key to go back to; re-run rotate-keys once the stack serves`,
      );
    }
    const results: AppRotationResult[] = [];
    for (const { view, slot, generation, value } of issued) {
      for (const other of HOST_KEY_SLOTS.filter((s) => s !== slot).map(hostKeyName)) {
        if (view.keys.functionKeys[other] === undefined) continue;
        await this.steps.waitGrace(other);
        await this.steps.port.deleteHostKey(view.app, other);
        this.steps.note(`revoked host key ${other} on ${view.app}`);
      }
      await this.steps.secureHost(view);
      await this.steps.writeSecret(view, value, { slot, generation, step: 'complete' });
      this.steps.note(`${view.app} now uses slot ${slot} (generation ${generation})`);
      results.push({
        app: view.app,
        secretName: view.secretName,
        outcome: 'bootstrapped',
        fromSlot: null,
        toSlot: slot,
        generation,
        steps: this.steps.lines,
        verification: verification.probe,
      });
    }
    return results;
  }

  private async issue(view: AppView): Promise<Issued> {
    if (view.state?.step === 'bootstrap' && view.active) {
      this.steps.note(`resuming the bootstrap of ${view.app}: ${view.secretName} holds its key in slot ${view.active.slot}`);
      return { view, slot: view.active.slot, generation: view.state.generation, value: view.active.value };
    }
    const slot = firstSlot(view);
    const generation = (view.state?.generation ?? 0) + 1;
    const value = this.steps.newKey();
    await this.steps.port.putHostKey(view.app, hostKeyName(slot), value);
    this.steps.note(`created host key ${hostKeyName(slot)} on ${view.app}`);
    await this.steps.writeSecret(view, value, { slot, generation, step: 'bootstrap' });
    this.steps.note(`wrote ${view.secretName} (slot ${slot}, generation ${generation})`);
    return { view, slot, generation, value };
  }
}

/** A slot no key occupies, so a key some caller might still use is not overwritten; `a` on a fresh stack. */
function firstSlot(view: AppView): Slot {
  return HOST_KEY_SLOTS.find((slot) => view.keys.functionKeys[hostKeyName(slot)] === undefined) ?? 'a';
}
