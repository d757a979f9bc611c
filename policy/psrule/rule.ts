import { at, type ModelResource, type StackModel } from '../model';

/** The Well-Architected pillar PSRule for Azure files a rule under (its `Azure.WAF/pillar` tag). */
export type Pillar = 'Security' | 'Reliability' | 'Cost Optimization' | 'Operational Excellence' | 'Performance Efficiency';

/**
 * One rule of PSRule for Azure (baseline Azure.GA_2026_03, module v1.48), its condition restated over
 * the stack model: the `id` is the rule's name, so the policy pack, `patientctl verify` and the tests
 * report a breach the way a platform team's PSRule scan of the deployed resource group would.
 *
 * The model holds azure-native's input names, which now and then differ from ARM's (the storage
 * account's `networkRuleSet` is ARM's `networkAcls`, `enableHttpsTrafficOnly` is
 * `supportsHttpsTrafficOnly`); each check reads the azure-native name of the field the rule reads.
 */
export interface PsRule {
  id: `Azure.${string}`;
  pillar: Pillar;
  /** What holds, in a sentence. */
  name: string;
  check: (model: StackModel) => string[];
  /** PSRule's precondition, where the stack can make it false: the rule does not run on such a stack (not applicable), for the reason given. */
  appliesTo?: { test: (model: StackModel) => boolean; otherwise: string };
}

export function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined';
}

export function ofType(model: StackModel, ...types: string[]): ModelResource[] {
  return model.resources.filter((resource) => types.some((type) => resource.type === `azure-native:${type}`));
}

/** A failure message per resource of the types that breaks the rule (`test` answers what is wrong, or nothing). */
export function each(model: StackModel, types: string | string[], test: (resource: ModelResource) => string | string[] | undefined): string[] {
  return ofType(model, ...(Array.isArray(types) ? types : [types])).flatMap((resource) => {
    const found = test(resource);
    if (found === undefined) return [];
    return (Array.isArray(found) ? found : [found]).map((message) => `${resource.name}: ${message}`);
  });
}

/** The resource's ARM name: the input azure-native takes it in, or what the provider reported. */
export function armName(resource: ModelResource, input: string): string {
  const declared = resource.properties[input];
  if (typeof declared === 'string') return declared;
  const assigned = at(resource.assigned, 'name');
  return typeof assigned === 'string' ? assigned : '';
}

/** PSRule's naming rules: a length range and a pattern the ARM name must match. */
export function nameRule(
  id: `Azure.${string}`,
  type: string,
  input: string,
  length: [number, number],
  pattern: RegExp,
  what: string,
): PsRule {
  return {
    id,
    pillar: 'Operational Excellence',
    name: `${what} names are ${length[0]}-${length[1]} characters matching ${pattern.source}`,
    check: (model) =>
      each(model, type, (resource) => {
        const name = armName(resource, input);
        return name.length >= length[0] && name.length <= length[1] && pattern.test(name) ? undefined : `name '${name}' breaks the naming rule`;
      }),
  };
}

/** A field that must hold exactly this value (PSRule `equals`: a missing field fails). */
export function equalsRule(id: `Azure.${string}`, pillar: Pillar, name: string, type: string, path: string, expected: unknown): PsRule {
  return {
    id,
    pillar,
    name,
    check: (model) => each(model, type, (resource) => (at(resource.properties, path) === expected ? undefined : `${path} is ${text(at(resource.properties, path))}, must be ${text(expected)}`)),
  };
}
