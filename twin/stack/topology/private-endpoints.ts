import { loopbackRange } from './azure-to-local';
import { at, text, type DeclaredLookup } from './declared-lookup';
import type { DeclaredResource } from '../program-model';
import { localSubnet } from './subnets';

const SUBNET = 'azure-native:network:Subnet';

function sameId(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/**
 * Whether callers in the endpoint's VNet resolve the service's name to the endpoint: a DNS zone
 * group on the endpoint whose zone is linked to that VNet. Without it they resolve the public
 * name, and a service with public access disabled refuses them.
 */
function resolvedThroughEndpoint(lookup: DeclaredLookup, endpoint: DeclaredResource, vnetName: string): boolean {
  const endpointName = text(endpoint.inputs.privateEndpointName) ?? endpoint.name;
  const zoneIds = lookup
    .ofType('azure-native:network:PrivateDnsZoneGroup')
    .filter((group) => group.inputs.privateEndpointName === endpointName)
    .flatMap((group) => list<{ privateDnsZoneId?: string }>(group.inputs.privateDnsZoneConfigs).map((config) => config.privateDnsZoneId));
  const zoneNames = zoneIds.flatMap((id) => {
    const zone = typeof id === 'string' ? lookup.byId(id) : undefined;
    return zone ? [text(zone.inputs.privateZoneName) ?? zone.name] : [];
  });
  return lookup
    .ofType('azure-native:privatedns:VirtualNetworkLink')
    .some((link) => zoneNames.includes(String(link.inputs.privateZoneName)) && (text(at(link.inputs, 'virtualNetwork.id')) ?? '').toLowerCase().endsWith(`/virtualnetworks/${vnetName.toLowerCase()}`));
}

/** The loopback ranges of the declared subnets an address prefix names (a subnet's own prefix). */
function rangesOfPrefix(lookup: DeclaredLookup, prefix: string, what: string): string[] {
  return lookup
    .ofType(SUBNET)
    .filter((subnet) => subnet.inputs.addressPrefix === prefix)
    .map((subnet) => localSubnet(lookup, subnet.id, what).range);
}

/**
 * The subnets (as loopback ranges) that reach a resource through its private endpoints: an
 * endpoint connected to the resource, whose DNS zone is linked to the VNet, admits the sources its
 * subnet's network security group allows in to it (by the endpoint's application security group).
 * The NSG applies to endpoints only where the subnet enables private-endpoint network policies;
 * otherwise, or with no NSG, the whole VNet reaches them, as Azure's default rules let it.
 */
export function privateEndpointRanges(lookup: DeclaredLookup, resourceId: string, what: string): string[] {
  const ranges = new Set<string>();
  for (const endpoint of lookup.ofType('azure-native:network:PrivateEndpoint')) {
    const connections = list<{ privateLinkServiceId?: string }>(endpoint.inputs.privateLinkServiceConnections);
    if (!connections.some((connection) => sameId(connection.privateLinkServiceId, resourceId))) continue;
    const subnet = lookup.expect(at(endpoint.inputs, 'subnet.id'), SUBNET, `${what}: private endpoint ${endpoint.name}'s subnet`);
    const vnetName = String(subnet.inputs.virtualNetworkName);
    if (!resolvedThroughEndpoint(lookup, endpoint, vnetName)) continue;
    const nsgId = at(subnet.inputs, 'networkSecurityGroup.id');
    const policies = text(subnet.inputs.privateEndpointNetworkPolicies) ?? 'Disabled';
    if (nsgId === undefined || !['Enabled', 'NetworkSecurityGroupEnabled'].includes(policies)) {
      for (const other of lookup.ofType(SUBNET).filter((s) => s.inputs.virtualNetworkName === vnetName)) {
        const range = loopbackRange(text(other.inputs.subnetName) ?? other.name);
        if (range !== undefined) ranges.add(range);
      }
      continue;
    }
    const nsg = lookup.expect(nsgId, 'azure-native:network:NetworkSecurityGroup', `${what}: subnet ${subnet.name}'s network security group`);
    const groups = list<{ id?: string }>(endpoint.inputs.applicationSecurityGroups).map((group) => String(group.id).toLowerCase());
    for (const rule of list<Record<string, unknown>>(nsg.inputs.securityRules)) {
      if (rule.direction !== 'Inbound' || rule.access !== 'Allow') continue;
      const targets = list<{ id?: string }>(rule.destinationApplicationSecurityGroups).map((group) => String(group.id).toLowerCase());
      if (!targets.some((id) => groups.includes(id))) continue;
      const prefixes = [...list<string>(rule.sourceAddressPrefixes), ...(typeof rule.sourceAddressPrefix === 'string' ? [rule.sourceAddressPrefix] : [])];
      for (const prefix of prefixes) for (const range of rangesOfPrefix(lookup, prefix, what)) ranges.add(range);
    }
  }
  return [...ranges];
}
