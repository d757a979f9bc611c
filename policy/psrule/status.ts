import type { StackModel } from '../model';
import { stackEnvironment, waiverFor } from '../waivers';
import { NOT_APPLICABLE } from './not-applicable';
import type { Pillar } from './rule';
import { psRules } from './rules';

export type RuleStatus = 'met' | 'waived' | 'not applicable' | 'violated';

export interface RuleRow {
  id: string;
  pillar: Pillar;
  status: RuleStatus;
  /** What holds (met), why not (waived), or why the rule does not run (not applicable). */
  note: string;
}

/** Each baseline rule for the stack's types, and how a stack stands with it: PSRule's outcome, waivers applied. */
export function ruleRows(model: StackModel): RuleRow[] {
  const environment = stackEnvironment(model);
  const checked = psRules.map((rule): RuleRow => {
    if (rule.appliesTo && !rule.appliesTo.test(model)) return { id: rule.id, pillar: rule.pillar, status: 'not applicable', note: rule.appliesTo.otherwise };
    if (rule.check(model).length === 0) return { id: rule.id, pillar: rule.pillar, status: 'met', note: rule.name };
    const waiver = waiverFor(rule.id, environment);
    return waiver ? { id: rule.id, pillar: rule.pillar, status: 'waived', note: waiver.reason } : { id: rule.id, pillar: rule.pillar, status: 'violated', note: rule.name };
  });
  const others = NOT_APPLICABLE.map((rule): RuleRow => ({ id: rule.id, pillar: rule.pillar, status: 'not applicable', note: rule.reason }));
  return [...checked, ...others];
}
