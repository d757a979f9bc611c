import { invariants } from '../../policy/invariants';
import type { StackModel } from './harness';
import { modelFromMocks } from './security-model';

export { at } from '../../policy/model';

/** The invariants of policy/invariants.ts over the mocks' model, for the tests of other configurations. */
export const securityChecks = invariants.map(({ name, check }) => ({ name, check: (model: StackModel) => check(modelFromMocks(model)) }));
