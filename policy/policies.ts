import type { StackValidationPolicy } from '@pulumi/policy';
import { modelFromPolicyResources } from './from-policy-resources';
import { invariants, type Invariant } from './invariants';

/**
 * Each invariant CrossGuard can check, as a stack policy: most of them relate resources to each
 * other (who is granted what before whom, which subnet admits which), which only `validateStack`
 * sees. Mandatory: a violation stops `pulumi preview` and `pulumi up`.
 */
export function stackPolicy(invariant: Invariant): StackValidationPolicy {
  return {
    name: invariant.id,
    description: invariant.name,
    enforcementLevel: 'mandatory',
    validateStack: (args, reportViolation) => {
      for (const violation of invariant.check(modelFromPolicyResources(args.resources))) reportViolation(violation);
    },
  };
}

export const policies: StackValidationPolicy[] = invariants.filter((invariant) => invariant.programOnly === undefined).map(stackPolicy);
