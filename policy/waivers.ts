import { at, type StackModel } from './model';

/**
 * The one register of rules a stack knowingly does not meet, each with its reason. The policy pack
 * skips a waived rule's violations in the stacks the waiver names, the tests hold every other rule
 * to zero violations, and docs/well-architected.md prints this table (a test compares them).
 */
export interface Waiver {
  /** The PSRule for Azure rule (its name is the invariant's id). */
  rule: `Azure.${string}`;
  /** The stacks it applies to, by their `environment` tag; `every` for all of them. */
  stacks: 'every' | readonly string[];
  reason: string;
}

export const WAIVERS: readonly Waiver[] = [
  {
    rule: 'Azure.RBAC.UseRGDelegation',
    stacks: 'every',
    reason:
      'Per-secret and per-resource grants are the design (docs/design.md §7): each identity reads only its own secrets and its own storage. A grant on the resource group would let every app read every secret.',
  },
  {
    rule: 'Azure.Log.Replication',
    stacks: 'every',
    reason: 'Workspace replication cannot be declared: the azure-native provider this stack pins (3.28) has no `replication` property on Log Analytics workspaces.',
  },
  {
    rule: 'Azure.APIM.DefenderCloud',
    stacks: ['dev'],
    reason: 'Defender for APIs is a paid plan of the whole subscription: behind the `defenderForApis` switch, off in dev, on in prod.',
  },
  {
    rule: 'Azure.APIM.AvailabilityZone',
    stacks: ['dev'],
    reason: 'Cost: the Developer tier has no availability zones; prod runs Premium with a unit in each of three zones.',
  },
  {
    rule: 'Azure.APIM.MultiRegion',
    stacks: ['dev'],
    reason: 'Cost: a second region needs the Premium tier and a second gateway network; prod has both.',
  },
  {
    rule: 'Azure.AppService.AvailabilityZone',
    stacks: ['dev'],
    reason: 'Cost: a zone-redundant Elastic Premium plan runs at least three instances; dev runs one per plan, prod three.',
  },
  {
    rule: 'Azure.Cosmos.AvailabilityZone',
    stacks: ['dev'],
    reason: 'Cost: zone-redundant accounts bill more request units; dev accounts are single-zone, prod accounts zone-redundant (fixed when an account is created).',
  },
];

/** The stack's environment: the `environment` tag every resource carries, read from its resource group. */
export function stackEnvironment(model: StackModel): string | undefined {
  const group = model.resources.find((resource) => resource.type === 'azure-native:resources:ResourceGroup');
  const environment = at(group?.properties, 'tags.environment');
  return typeof environment === 'string' ? environment : undefined;
}

/** The waiver that applies to a rule in a stack, if any. */
export function waiverFor(rule: string, environment: string | undefined): Waiver | undefined {
  return WAIVERS.find((waiver) => waiver.rule === rule && (waiver.stacks === 'every' || (environment !== undefined && waiver.stacks.includes(environment))));
}
