import type { StackValidationPolicy } from '@pulumi/policy';
import { modelFromPolicyResources } from './from-policy-resources';
import { invariants, unwaivedViolations, type Invariant } from './invariants';

/**
 * Each invariant CrossGuard can check, as a stack policy: most of them relate resources to each
 * other (who is granted what before whom, which subnet admits which), which only `validateStack`
 * sees. Mandatory: a violation stops `pulumi preview` and `pulumi up`, unless policy/waivers.ts waives
 * the rule for the stack's environment.
 */
export function stackPolicy(invariant: Invariant): StackValidationPolicy {
  return {
    name: invariant.id,
    description: invariant.name,
    enforcementLevel: 'mandatory',
    validateStack: (args, reportViolation) => {
      for (const violation of unwaivedViolations(invariant, modelFromPolicyResources(args.resources))) reportViolation(violation);
    },
  };
}

export const policies: StackValidationPolicy[] = invariants.filter((invariant) => invariant.programOnly === undefined).map(stackPolicy);
