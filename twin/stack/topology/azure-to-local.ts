import type { IdentityName } from '../../../contracts/apps';

/**
 * How Azure's world maps onto this machine: the one table the local stack adds to what the
 * program declares. Linux routes all of 127.0.0.0/8 to the loopback interface, so every subnet
 * gets a loopback range of its own and access rules by source address work as in Azure.
 */
export const AZURE_TO_LOCAL = {
  /** Each declared subnet, by its name, and the loopback range standing in for it. */
  subnets: {
    apim: '127.0.1.0/24',
    'patient-api': '127.0.2.0/24',
    'audit-api': '127.0.3.0/24',
  } satisfies Record<IdentityName, string>,
  /**
   * Where traffic leaves from when it does not go through a virtual network: a site without
   * `vnetRouteAllEnabled`, API Management outside a VNet. No subnet rule admits it.
   */
  publicOutboundAddress: '127.0.0.1',
  /** Where the processes that clients or the tool reach listen: the gateway, the databases, the ARM twin. */
  loopback: '127.0.0.1',
  /** Each declared service and the local process (or part of the supervisor) that stands in for it. */
  services: [
    { type: 'azure-native:web:WebApp', local: 'a Functions host process per site, named after the app', listens: 'the first address of its integration subnet', connectsFrom: 'the second address of its integration subnet' },
    { type: 'azure-native:apimanagement:ApiManagementService', local: 'the gateway process (API Management twin)', listens: '127.0.0.1:<--port>', connectsFrom: 'the second address of its subnet' },
    { type: 'azure-native:cosmosdb:DatabaseAccount', local: 'a MongoDB twin process per account (Cosmos DB profile), named after the account', listens: '127.0.0.1:<ephemeral>', connectsFrom: '—' },
    { type: 'azure-native:keyvault:Vault', local: 'the Key Vault twin, inside the supervisor', listens: '— (read through Key Vault references and named values)', connectsFrom: '—' },
    { type: 'Azure Resource Manager', local: 'the ARM twin, inside the supervisor', listens: '127.0.0.1:<ephemeral> (armUrl in stack.json)', connectsFrom: '—' },
  ],
} as const;

export type SubnetName = keyof typeof AZURE_TO_LOCAL.subnets;

/** The n-th address of a /24 loopback range (`127.0.2.0/24`, 2 → `127.0.2.2`). */
export function nthAddress(range: string, n: number): string {
  return range.replace(/\.0\/24$/, `.${n}`);
}

/** The loopback range of a declared subnet; undefined for a subnet the table does not map. */
export function loopbackRange(subnetName: string): string | undefined {
  return (AZURE_TO_LOCAL.subnets as Record<string, string>)[subnetName];
}

/** Where a service placed in a subnet listens (a site's inbound address) and where it connects out from. */
export function subnetAddresses(range: string): { listen: string; outbound: string } {
  return { listen: nthAddress(range, 1), outbound: nthAddress(range, 2) };
}
