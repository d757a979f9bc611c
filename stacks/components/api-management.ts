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
  /** One unit per availability zone (Premium, two units or more). */
  zoneRedundant: boolean;
  /** A second region's gateway (Premium): its subnet there and its public IP's name and DNS label. */
  additionalRegion: { location: string; subnetId: pulumi.Input<string>; publicIpName: string; dnsLabel: pulumi.Input<string> } | undefined;
}

const cipher = (name: string) => `Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.${name}`;

/**
 * Old protocols and ciphers switched off on both the client and the backend side: the CBC suites and
 * those without forward secrecy (RSA key exchange) too, leaving ECDHE with GCM (PSRule Azure.APIM.Ciphers).
 */
const tlsHardening: Record<string, string> = {
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Ssl30': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30': 'False',
  [cipher('TripleDes168')]: 'False',
  ...Object.fromEntries(
    [
      'TLS_RSA_WITH_AES_128_CBC_SHA',
      'TLS_RSA_WITH_AES_256_CBC_SHA',
      'TLS_RSA_WITH_AES_128_CBC_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
      'TLS_RSA_WITH_AES_256_CBC_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
      'TLS_RSA_WITH_AES_128_GCM_SHA256',
    ].map((name) => [cipher(name), 'False']),
  ),
};

/** Management API versions retired in September 2023 are refused (PSRule Azure.APIM.MinAPIVersion). */
const MIN_API_VERSION = '2021-08-01';

/** A zone-redundant Standard public IP, as API Management in a VNet needs one in each region. */
function gatewayIp(name: string, parent: pulumi.Resource, placement: { resourceGroupName: pulumi.Input<string>; location: string; tags: Record<string, string> }, ipName: string, dnsLabel: pulumi.Input<string>) {
  return new network.PublicIPAddress(
    name,
    {
      ...placement,
      publicIpAddressName: ipName,
      sku: { name: 'Standard', tier: 'Regional' },
      // Zone-redundant at no extra cost; survives the loss of a zone whatever the gateway's own zones.
      zones: ['1', '2', '3'],
      publicIPAllocationMethod: 'Static',
      publicIPAddressVersion: 'IPv4',
      dnsSettings: { domainNameLabel: dnsLabel },
    },
    { parent },
  );
}

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

    const publicIp = gatewayIp(`${name}-public-ip`, this, placement, args.publicIpName, args.dnsLabel);
    const zones = args.zoneRedundant ? ['1', '2', '3'].slice(0, Math.min(args.capacity, 3)) : undefined;
    const additional = args.additionalRegion;
    const additionalLocations = additional
      ? [
          {
            location: additional.location,
            sku: { name: args.sku, capacity: args.capacity },
            zones,
            virtualNetworkConfiguration: { subnetResourceId: additional.subnetId },
            publicIpAddressId: gatewayIp(`${name}-${additional.location}-public-ip`, this, { ...placement, location: additional.location }, additional.publicIpName, additional.dnsLabel).id,
            disableGateway: false,
          },
        ]
      : undefined;

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
        apiVersionConstraint: { minApiVersion: MIN_API_VERSION },
        // Consumers get their keys from the platform team, never from a portal.
        developerPortalStatus: 'Disabled',
        legacyPortalStatus: 'Disabled',
        ...(zones ? { zones } : {}),
        ...(additionalLocations ? { additionalLocations } : {}),
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
