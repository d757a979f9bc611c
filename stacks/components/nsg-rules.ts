import type * as pulumi from '@pulumi/pulumi';
import type * as types from '@pulumi/azure-native/types';

export type SecurityRule = types.input.network.SecurityRuleArgs;

interface ServiceRule {
  name: string;
  /** A service tag or an address range. */
  peer: string;
  ports: string[];
  purpose: string;
}

/** What API Management needs in External VNet mode (classic tiers, stv2). */
const apimInbound: ServiceRule[] = [
  { name: 'allow-client-https', peer: 'Internet', ports: ['443'], purpose: 'Client communication to API Management' },
  { name: 'allow-apim-management', peer: 'ApiManagement', ports: ['3443'], purpose: 'Management endpoint for the Azure portal and ARM' },
  { name: 'allow-azure-load-balancer', peer: 'AzureLoadBalancer', ports: ['6390'], purpose: 'Azure infrastructure load balancer' },
];

const apimOutbound: ServiceRule[] = [
  { name: 'allow-storage', peer: 'Storage', ports: ['443'], purpose: 'Dependency on Azure Storage' },
  { name: 'allow-sql', peer: 'Sql', ports: ['1433'], purpose: 'Access to Azure SQL endpoints (service configuration)' },
  { name: 'allow-key-vault', peer: 'AzureKeyVault', ports: ['443'], purpose: 'Key Vault-backed named values' },
  { name: 'allow-azure-monitor', peer: 'AzureMonitor', ports: ['1886', '443'], purpose: 'Diagnostics, metrics and Application Insights' },
  { name: 'allow-entra-id', peer: 'AzureActiveDirectory', ports: ['443'], purpose: 'Tokens for the managed identity (Key Vault, Entra telemetry ingestion)' },
];

function allow(direction: 'Inbound' | 'Outbound', rules: ServiceRule[], priority: number): SecurityRule[] {
  return rules.map((rule, index) => ({
    name: rule.name,
    description: rule.purpose,
    direction,
    access: 'Allow',
    protocol: 'Tcp',
    priority: priority + index * 10,
    sourceAddressPrefix: direction === 'Inbound' ? rule.peer : 'VirtualNetwork',
    sourcePortRange: '*',
    destinationAddressPrefix: direction === 'Inbound' ? 'VirtualNetwork' : rule.peer,
    destinationPortRanges: rule.ports,
  }));
}

/**
 * Nothing in the VNet opens SSH or RDP to anything else in it (PSRule Azure.NSG.LateralTraversal):
 * no subnet runs a VM, so a session on those ports could only be an attacker moving sideways.
 */
export const denyLateralManagement: SecurityRule = {
  name: 'deny-ssh-rdp-in-vnet',
  description: 'No SSH or RDP from this subnet to anything in the VNet',
  direction: 'Outbound',
  access: 'Deny',
  protocol: '*',
  priority: 4000,
  sourceAddressPrefix: '*',
  sourcePortRange: '*',
  destinationAddressPrefix: 'VirtualNetwork',
  destinationPortRanges: ['22', '3389'],
};

/** The APIM subnet's rules: API Management's own inbound and outbound needs, and no lateral SSH/RDP. */
export function apimSubnetRules(): SecurityRule[] {
  return [...allow('Inbound', apimInbound, 100), ...allow('Outbound', apimOutbound, 100), denyLateralManagement];
}

/** A private endpoint and the subnets admitted to it. */
export interface PrivateEndpointAdmission {
  name: string;
  applicationSecurityGroupId: pulumi.Input<string>;
  callerPrefixes: string[];
  ports: readonly string[];
}

/**
 * The private-endpoint subnet admits each endpoint (by its application security group) from its
 * callers' subnets only, and nothing else in the VNet: the per-app network separation the public
 * endpoints' VNet rules gave. Applies once the subnet enables private-endpoint network policies.
 */
export function privateEndpointSubnetRules(admissions: PrivateEndpointAdmission[]): SecurityRule[] {
  const allows = admissions.map((admission, index) => ({
    name: `allow-${admission.name}`,
    description: `Only its callers reach the ${admission.name} private endpoint`,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    priority: 100 + index * 10,
    sourceAddressPrefixes: admission.callerPrefixes,
    sourcePortRange: '*',
    destinationApplicationSecurityGroups: [{ id: admission.applicationSecurityGroupId }],
    destinationPortRanges: [...admission.ports],
  }));
  const denyRest = {
    name: 'deny-other-vnet-inbound',
    description: 'Nothing else in the VNet reaches the private endpoints',
    direction: 'Inbound',
    access: 'Deny',
    protocol: '*',
    priority: 4000,
    sourceAddressPrefix: 'VirtualNetwork',
    sourcePortRange: '*',
    destinationAddressPrefix: '*',
    destinationPortRange: '*',
  };
  return [...allows, denyRest, denyLateralManagement];
}
