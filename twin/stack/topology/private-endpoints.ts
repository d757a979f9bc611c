import { loopbackRange } from './azure-to-local';
import { at, text, type DeclaredLookup } from './declared-lookup';
import { resourceKey, type DeclaredResource } from '../program-model';
import { localSubnet } from './subnets';

const SUBNET = 'azure-native:network:Subnet';

function sameId(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/**
 * One private endpoint of a service, as a caller in the VNet needs it: the endpoint, the DNS zone
 * group, zone and VNet link that make the service's name resolve to it there, and the subnets its
 * network security group admits.
 */
export interface PrivatePath {
  /** The endpoint's key. */
  key: string;
  /** Keys of every resource the path needs: the endpoint, its DNS zone groups, their zones and the zones' links to the VNet. */
  resources: string[];
  /** The subnets (loopback ranges) that reach the service through it. */
  ranges: string[];
}

/**
 * What makes callers in the endpoint's VNet resolve the service's name to the endpoint: a DNS zone
 * group on the endpoint whose zone is linked to that VNet. Without it they resolve the public
 * name, and a service with public access disabled refuses them: undefined then.
 */
function resolution(lookup: DeclaredLookup, endpoint: DeclaredResource, vnetName: string): DeclaredResource[] | undefined {
  const endpointName = text(endpoint.inputs.privateEndpointName) ?? endpoint.name;
  const groups = lookup.ofType('azure-native:network:PrivateDnsZoneGroup').filter((group) => group.inputs.privateEndpointName === endpointName);
  const zones = groups
    .flatMap((group) => list<{ privateDnsZoneId?: string }>(group.inputs.privateDnsZoneConfigs).map((config) => config.privateDnsZoneId))
    .flatMap((id) => {
      const zone = typeof id === 'string' ? lookup.byId(id) : undefined;
      return zone ? [zone] : [];
    });
  for (const zone of zones) {
    const zoneName = text(zone.inputs.privateZoneName) ?? zone.name;
    const link = lookup
      .ofType('azure-native:privatedns:VirtualNetworkLink')
      .find((candidate) => candidate.inputs.privateZoneName === zoneName && (text(at(candidate.inputs, 'virtualNetwork.id')) ?? '').toLowerCase().endsWith(`/virtualnetworks/${vnetName.toLowerCase()}`));
    if (link) return [...groups, zone, link];
  }
  return undefined;
}

/** The loopback ranges of the declared subnets an address prefix names (a subnet's own prefix). */
function rangesOfPrefix(lookup: DeclaredLookup, prefix: string, what: string): string[] {
  return lookup
    .ofType(SUBNET)
    .filter((subnet) => subnet.inputs.addressPrefix === prefix)
    .map((subnet) => localSubnet(lookup, subnet.id, what).range);
}

/**
 * The subnets (as loopback ranges) an endpoint admits: the sources its subnet's network security
 * group allows in to it (by the endpoint's application security group). The NSG applies to
 * endpoints only where the subnet enables private-endpoint network policies; otherwise, or with no
 * NSG, the whole VNet reaches them, as Azure's default rules let it.
 */
function admitted(lookup: DeclaredLookup, endpoint: DeclaredResource, subnet: DeclaredResource, what: string): string[] {
  const vnetName = String(subnet.inputs.virtualNetworkName);
  const ranges = new Set<string>();
  const nsgId = at(subnet.inputs, 'networkSecurityGroup.id');
  const policies = text(subnet.inputs.privateEndpointNetworkPolicies) ?? 'Disabled';
  if (nsgId === undefined || !['Enabled', 'NetworkSecurityGroupEnabled'].includes(policies)) {
    for (const other of lookup.ofType(SUBNET).filter((s) => s.inputs.virtualNetworkName === vnetName)) {
      const range = loopbackRange(text(other.inputs.subnetName) ?? other.name);
      if (range !== undefined) ranges.add(range);
    }
    return [...ranges];
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
  return [...ranges];
}

/** The private endpoints connected to a resource whose name the VNet resolves to them, each with what it needs and whom it admits. */
export function privatePaths(lookup: DeclaredLookup, resourceId: string, what: string): PrivatePath[] {
  return lookup.ofType('azure-native:network:PrivateEndpoint').flatMap((endpoint) => {
    const connections = list<{ privateLinkServiceId?: string }>(endpoint.inputs.privateLinkServiceConnections);
    if (!connections.some((connection) => sameId(connection.privateLinkServiceId, resourceId))) return [];
    const subnet = lookup.expect(at(endpoint.inputs, 'subnet.id'), SUBNET, `${what}: private endpoint ${endpoint.name}'s subnet`);
    const resolvedBy = resolution(lookup, endpoint, String(subnet.inputs.virtualNetworkName));
    if (!resolvedBy) return [];
    return [{ key: resourceKey(endpoint), resources: [endpoint, ...resolvedBy].map(resourceKey), ranges: admitted(lookup, endpoint, subnet, what) }];
  });
}
