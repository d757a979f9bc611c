import { invariants as allInvariants, type Invariant } from '../../policy/invariants';
import type { StackModel } from '../../policy/model';
import { stackEnvironment, waiverFor } from '../../policy/waivers';
import { fail, pass, waived, type CheckResult } from './check-result';

export interface SkippedInvariant {
  check: string;
  reason: string;
}

/** Why an invariant cannot be checked on a live deployment; undefined when it can. */
function notLive(invariant: Invariant): string | undefined {
  return invariant.notLive ?? (invariant.programOnly === undefined ? undefined : "only a run of the program shows it (its outputs, which values it marks secret)");
}

export function skippedInvariants(invariants: readonly Invariant[] = allInvariants): SkippedInvariant[] {
  return invariants.flatMap((invariant) => {
    const reason = notLive(invariant);
    return reason === undefined ? [] : [{ check: invariant.id, reason }];
  });
}

/** Grants the program does not make are not removed by a deploy, which manages only what it created. */
const UNMANAGED_GRANTS = ['no-broad-roles', 'no-vault-wide-roles', 'secret-readers-exact'];

/** What puts a drifted deployment back; `stack` names it in the commands. */
export function configurationFix(id: string, stack: string): string {
  if (UNMANAGED_GRANTS.includes(id)) {
    return 'delete each role assignment named above that docs/design.md §7 does not list (az role assignment delete --ids <id>); a deploy removes only grants it made itself';
  }
  if (id === 'vault-secrets') return 'delete each secret the program does not declare (az keyvault secret delete); a deploy does not remove it';
  return `the deployment drifted from the program: run pulumi refresh --stack ${stack}, then patientctl deploy --stack ${stack}, which puts back what the program declares`;
}

/**
 * The invariants of policy/invariants.ts over the deployment's model, one check each; those a live
 * deployment cannot show are skipped (`skippedInvariants`). A rule the waiver register waives for
 * the deployment's environment (its resource group's `environment` tag, as the policy pack reads
 * it) is WAIVED with its reason, not failed. An invariant that cannot read what it needs fails with
 * the reason rather than stopping verify.
 */
export function configurationChecks(model: StackModel, stack: string, invariants: readonly Invariant[] = allInvariants): CheckResult[] {
  const environment = stackEnvironment(model);
  return invariants
    .filter((invariant) => notLive(invariant) === undefined)
    .map((invariant) => {
      let violations: string[];
      try {
        violations = invariant.check(model);
      } catch (error) {
        violations = [`could not be checked: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`];
      }
      if (violations.length === 0) return pass('configuration', invariant.id, invariant.name);
      const waiver = waiverFor(invariant.id, environment);
      return waiver
        ? waived('configuration', invariant.id, violations.join('; '), waiver.reason)
        : fail('configuration', invariant.id, violations.join('; '), configurationFix(invariant.id, stack));
    });
}
