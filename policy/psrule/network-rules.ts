import { at, type ModelResource, type StackModel } from '../model';
import { each, equalsRule, list, nameRule, ofType, text, type PsRule } from './rule';

/** Subnets PSRule never asks an NSG or private outbound access of. */
const gatewaySubnets = ['GatewaySubnet', 'AzureFirewallSubnet', 'AzureFirewallManagementSubnet', 'RouteServerSubnet'];

function subnetName(subnet: ModelResource): string {
  return text(subnet.properties.subnetName ?? subnet.name);
}

function rulesOf(nsg: ModelResource, direction: 'Inbound' | 'Outbound'): Record<string, unknown>[] {
  return list(nsg.properties.securityRules)
    .filter((rule) => rule.direction === direction)
    .sort((a, b) => Number(a.priority) - Number(b.priority));
}

/** PSRule's reading of an outbound rule: does it decide traffic to `VirtualNetwork` on `port`? */
function decides(rule: Record<string, unknown>, port: string): boolean {
  const prefixes = list(rule.destinationAddressPrefixes).map(String);
  const prefix = rule.destinationAddressPrefix;
  const toVnet = text(prefix).toLowerCase() === 'virtualnetwork' || ((prefix === '*' || prefix === undefined || prefix === '') && prefixes.length === 0) || prefixes.includes('VirtualNetwork');
  const ranges = list(rule.destinationPortRanges).map(String);
  const range = rule.destinationPortRange;
  const onPort = range === port || ((range === '*' || range === undefined || range === '') && ranges.length === 0) || ranges.includes(port);
  return toVnet && onPort;
}

function ipv4(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + part, 0);
}

/** Whether an IPv4 address lies in a CIDR range (PSRule's check of a VNet's DNS server). */
function inRange(address: string, range: string): boolean {
  const [base, bits] = range.split('/');
  const [ip, start] = [ipv4(address), ipv4(base)];
  const size = 2 ** (32 - Number(bits));
  return ip !== undefined && start !== undefined && Number.isInteger(size) && ip >= start - (start % size) && ip < start - (start % size) + size;
}

/** Whether the stack's VNets use Azure's DNS, or custom servers that PSRule's rules accept. */
function dnsServers(vnet: ModelResource): string[] {
  return list(at(vnet.properties, 'dhcpOptions.dnsServers')).map(String);
}

function publicIpUsers(model: StackModel): unknown[] {
  return ofType(model, 'apimanagement:ApiManagementService').flatMap((service) => [
    service.properties.publicIpAddressId,
    ...list(service.properties.additionalLocations).map((location) => location.publicIpAddressId),
  ]);
}

export const networkRules: PsRule[] = [
  nameRule('Azure.VNET.Name', 'network:VirtualNetwork', 'virtualNetworkName', [2, 64], /^[a-z0-9][a-z0-9_.-]{0,62}[a-z0-9_]$/, 'Virtual network'),
  {
    id: 'Azure.VNET.UseNSGs',
    pillar: 'Security',
    name: 'every subnet has a network security group',
    check: (model) =>
      each(model, 'network:Subnet', (subnet) =>
        gatewaySubnets.includes(subnetName(subnet)) || typeof at(subnet.properties, 'networkSecurityGroup.id') === 'string' ? undefined : 'has no NSG',
      ),
  },
  {
    id: 'Azure.VNET.SingleDNS',
    pillar: 'Reliability',
    name: 'a VNet uses Azure DNS or at least two DNS servers',
    check: (model) => each(model, 'network:VirtualNetwork', (vnet) => (dnsServers(vnet).length === 1 ? 'has a single custom DNS server' : undefined)),
  },
  {
    id: 'Azure.VNET.LocalDNS',
    pillar: 'Reliability',
    name: "a VNet uses Azure DNS or a DNS server inside its own address space",
    check: (model) =>
      each(model, 'network:VirtualNetwork', (vnet) => {
        const [first] = dnsServers(vnet);
        if (first === undefined) return undefined;
        const spaces = list(at(vnet.properties, 'addressSpace.addressPrefixes')).map(String);
        return spaces.some((space) => inRange(first, space)) ? undefined : `DNS server ${first} is outside the VNet`;
      }),
  },
  nameRule('Azure.VNET.SubnetName', 'network:Subnet', 'subnetName', [1, 80], /^[A-Za-z0-9]((-|\.)*\w){0,79}$/, 'Subnet'),
  {
    id: 'Azure.VNET.PrivateSubnet',
    pillar: 'Security',
    name: 'every subnet that is not delegated has default outbound access off',
    check: (model) =>
      each(model, 'network:Subnet', (subnet) => {
        const exempt = [...gatewaySubnets, 'AzureBastionSubnet'].includes(subnetName(subnet)) || list(subnet.properties.delegations).length > 0;
        return exempt || subnet.properties.defaultOutboundAccess === false ? undefined : 'keeps default outbound access';
      }),
  },
  nameRule('Azure.NSG.Name', 'network:NetworkSecurityGroup', 'networkSecurityGroupName', [1, 80], /^[a-z0-9]([a-z0-9_.-]{0,78}[a-z0-9_])?$/, 'Network security group'),
  {
    id: 'Azure.NSG.AnyInboundSource',
    pillar: 'Security',
    name: 'no NSG allows inbound traffic from any source (*)',
    check: (model) =>
      each(model, 'network:NetworkSecurityGroup', (nsg) =>
        rulesOf(nsg, 'Inbound')
          .filter((rule) => rule.access === 'Allow' && rule.sourceAddressPrefix === '*')
          .map((rule) => `rule ${String(rule.name)} allows any source`),
      ),
  },
  {
    id: 'Azure.NSG.DenyAllInbound',
    pillar: 'Reliability',
    name: "no NSG's first inbound rule denies everything",
    check: (model) =>
      each(model, 'network:NetworkSecurityGroup', (nsg) => {
        const [first] = rulesOf(nsg, 'Inbound');
        return first && first.access === 'Deny' && first.sourceAddressPrefix === '*' ? `its first inbound rule ${String(first.name)} denies all` : undefined;
      }),
  },
  {
    id: 'Azure.NSG.LateralTraversal',
    pillar: 'Security',
    name: 'every NSG denies outbound SSH (22) or RDP (3389) to the VNet',
    check: (model) =>
      each(model, 'network:NetworkSecurityGroup', (nsg) => {
        const outbound = rulesOf(nsg, 'Outbound');
        const denied = (port: string) => outbound.find((rule) => decides(rule, port))?.access === 'Deny';
        return denied('22') || denied('3389') ? undefined : 'lets SSH and RDP reach the VNet';
      }),
  },
  {
    id: 'Azure.NSG.Associated',
    pillar: 'Cost Optimization',
    name: 'every NSG is associated with a subnet',
    check: (model) => {
      const used = ofType(model, 'network:Subnet').map((subnet) => at(subnet.properties, 'networkSecurityGroup.id'));
      return each(model, 'network:NetworkSecurityGroup', (nsg) => (used.includes(nsg.id) ? undefined : 'is not associated with a subnet'));
    },
  },
  equalsRule('Azure.PublicIP.StandardSKU', 'Reliability', 'public IPs are Standard SKU', 'network:PublicIPAddress', 'sku.name', 'Standard'),
  equalsRule('Azure.PublicIP.MigrateStandard', 'Operational Excellence', 'no public IP is Basic SKU (retired)', 'network:PublicIPAddress', 'sku.name', 'Standard'),
  {
    id: 'Azure.PublicIP.IsAttached',
    pillar: 'Security',
    name: 'every public IP is attached (to API Management)',
    check: (model) => {
      const used = publicIpUsers(model);
      return each(model, 'network:PublicIPAddress', (ip) => (used.includes(ip.id) ? undefined : 'is attached to nothing'));
    },
  },
  nameRule('Azure.PublicIP.Name', 'network:PublicIPAddress', 'publicIpAddressName', [1, 80], /^[A-Za-z0-9]((-|\.)*\w){0,79}$/, 'Public IP'),
  {
    id: 'Azure.PublicIP.DNSLabel',
    pillar: 'Operational Excellence',
    name: 'public IP DNS labels are 3-63 lowercase letters, digits and hyphens, starting with a letter',
    check: (model) =>
      each(model, 'network:PublicIPAddress', (ip) => {
        const label = at(ip.properties, 'dnsSettings.domainNameLabel');
        if (label === undefined) return undefined;
        return /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/.test(text(label)) ? undefined : `DNS label '${text(label)}' breaks the rule`;
      }),
  },
  {
    id: 'Azure.PublicIP.AvailabilityZone',
    pillar: 'Reliability',
    name: 'Standard public IPs are zone-redundant (zones 1, 2 and 3)',
    check: (model) =>
      each(model, 'network:PublicIPAddress', (ip) => {
        if (at(ip.properties, 'sku.name') !== 'Standard' || at(ip.properties, 'tags.resource-usage') === 'azure-bastion') return undefined;
        const zones = list(ip.properties.zones).map(String).sort();
        return zones.join() === '1,2,3' ? undefined : `zones are ${JSON.stringify(zones)}`;
      }),
  },
  nameRule('Azure.PrivateEndpoint.Name', 'network:PrivateEndpoint', 'privateEndpointName', [2, 64], /^[a-z0-9][a-z0-9_.-]{0,62}[a-z0-9_]$/, 'Private endpoint'),
];
