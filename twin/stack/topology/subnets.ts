import { loopbackRange, subnetAddresses } from './azure-to-local';
import { DeclarationError } from './coverage';
import { at, text, type DeclaredLookup } from './declared-lookup';

const SUBNET = 'azure-native:network:Subnet';

/** A declared subnet as it stands on this machine. */
export interface LocalSubnet {
  name: string;
  range: string;
  /** Where a service placed in it listens, and where its outbound connections leave from. */
  listen: string;
  outbound: string;
}

/** The loopback counterpart of the subnet an id names; a subnet the mapping table does not map stops start-up. */
export function localSubnet(lookup: DeclaredLookup, id: unknown, what: string): LocalSubnet {
  const subnet = lookup.expect(id, SUBNET, what);
  const name = text(subnet.inputs.subnetName) ?? subnet.name;
  const range = loopbackRange(name);
  if (range === undefined) throw new DeclarationError(`subnet "${name}" (${subnet.name}) has no loopback range in the mapping table (twin/stack/topology/azure-to-local.ts)`);
  return { name, range, ...subnetAddresses(range) };
}

/**
 * The range of a subnet a service's network rule admits. Such a rule needs the service's endpoint
 * on the subnet: ARM refuses it otherwise unless the rule says to ignore a missing endpoint.
 */
export function admittedRange(lookup: DeclaredLookup, rule: Record<string, unknown>, service: string, ignoreFlag: string, what: string): string {
  const id = rule.id;
  const subnet = lookup.expect(id, SUBNET, what);
  const endpoints = ((at(subnet.inputs, 'serviceEndpoints') as { service?: string }[] | undefined) ?? []).map((entry) => entry.service);
  if (rule[ignoreFlag] !== true && !endpoints.includes(service)) {
    throw new DeclarationError(`${what} admits subnet ${subnet.name}, which has no ${service} service endpoint: Azure refuses such a rule`);
  }
  return localSubnet(lookup, id, what).range;
}
