import * as pulumi from '@pulumi/pulumi';
import * as apimanagement from '@pulumi/azure-native/apimanagement';
import * as network from '@pulumi/azure-native/network';
import type { ApimSku } from '../config';
import type { Placement } from './placement';

export interface ApiManagementArgs extends Placement {
  serviceName: pulumi.Input<string>;
  publicIpName: string;
  dnsLabel: pulumi.Input<string>;
  sku: ApimSku;
  capacity: number;
  publisherName: string;
  publisherEmail: string;
  subnetId: pulumi.Input<string>;
}

/** Old protocols and ciphers switched off on both the client and the backend side. */
const tlsHardening: Record<string, string> = {
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Ssl30': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TripleDes168': 'False',
};

/**
 * The API Management instance: External VNet mode in its own subnet, a Standard public IP with a DNS
 * label, a system-assigned identity. What it serves is declared by `GatewayConfiguration`.
 *
 * The identity stays system-assigned although it can only be granted once the service exists: API
 * Management reaches a Key Vault behind its firewall with its system-assigned identity only (API
 * Management docs, Key Vault firewall requirements). Its first read of the vault is the named value's
 * creation, which waits for the grant (`GatewayConfiguration`).
 */
export class ApiManagement extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  readonly serviceId: pulumi.Output<string>;
  readonly gatewayUrl: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;

  constructor(name: string, args: ApiManagementArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:gateway:ApiManagement', name, {}, opts);
    const placement = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };

    const publicIp = new network.PublicIPAddress(
      `${name}-public-ip`,
      {
        ...placement,
        publicIpAddressName: args.publicIpName,
        sku: { name: 'Standard', tier: 'Regional' },
        publicIPAllocationMethod: 'Static',
        publicIPAddressVersion: 'IPv4',
        dnsSettings: { domainNameLabel: args.dnsLabel },
      },
      { parent: this },
    );

    const service = new apimanagement.ApiManagementService(
      `${name}-service`,
      {
        ...placement,
        serviceName: args.serviceName,
        sku: { name: args.sku, capacity: args.capacity },
        publisherName: args.publisherName,
        publisherEmail: args.publisherEmail,
        identity: { type: 'SystemAssigned' },
        virtualNetworkType: 'External',
        virtualNetworkConfiguration: { subnetResourceId: args.subnetId },
        publicIpAddressId: publicIp.id,
        customProperties: tlsHardening,
      },
      // Creating the service or moving it into a network takes 30-45 minutes.
      { parent: this, customTimeouts: { create: '90m', update: '90m', delete: '60m' } },
    );

    this.serviceName = service.name;
    this.serviceId = service.id;
    this.gatewayUrl = service.gatewayUrl;
    this.principalId = service.identity.apply((identity) => {
      if (!identity?.principalId) throw new Error('API Management has no system-assigned identity');
      return identity.principalId;
    });
    this.registerOutputs({ serviceName: this.serviceName, serviceId: this.serviceId, gatewayUrl: this.gatewayUrl });
  }
}
