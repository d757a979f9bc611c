import { invariants, unwaivedViolations } from '../../policy/invariants';
import type { StackModel as PolicyModel } from '../../policy/model';
import type { StackModel } from './harness';
import { modelFromMocks } from './security-model';

export { at } from '../../policy/model';

/** The policy model of a run, built once: every invariant reads the same one. */
const models = new WeakMap<StackModel, PolicyModel>();
function policyModel(model: StackModel): PolicyModel {
  const known = models.get(model) ?? modelFromMocks(model);
  models.set(model, known);
  return known;
}

/** The invariants of policy/invariants.ts over the mocks' model, waivers applied, for the tests of other configurations. */
export const securityChecks = invariants.map((invariant) => ({ name: invariant.name, check: (model: StackModel) => unwaivedViolations(invariant, policyModel(model)) }));
