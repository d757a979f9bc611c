import * as pulumi from '@pulumi/pulumi';
import * as network from '@pulumi/azure-native/network';
import * as privatedns from '@pulumi/azure-native/privatedns';
import type { Placement } from './placement';

/** One service reached through a private endpoint. */
export interface PrivateEndpointTarget {
  /** Short name, for resource names (e.g. `vault`, `cosmos-patients`). */
  name: string;
  /** ARM id of the service. */
  resourceId: pulumi.Input<string>;
  /** The service's sub-resource (`vault`, `MongoDB`). */
  groupId: string;
  /** The privatelink DNS zone its names resolve in. */
  dnsZone: string;
  /** The application security group the endpoint joins: the endpoint subnet's NSG admits its callers by it. */
  applicationSecurityGroupId: pulumi.Input<string>;
}

export interface PrivateLinkArgs extends Placement {
  /** Prefix of the endpoints' names. */
  namePrefix: string;
  vnetId: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  targets: readonly PrivateEndpointTarget[];
}

/**
 * Private endpoints in their own subnet, and the privatelink DNS zones (linked to the VNet) that make
 * the services' usual host names resolve to them inside the VNet: the apps and API Management keep
 * their connection strings and vault URIs, and reach the services without a public endpoint.
 */
export class PrivateLink extends pulumi.ComponentResource {
  /**
   * Per target (by name): what must exist before anything in the VNet reaches it, its endpoint, DNS
   * zone group, zone and the zone's VNet link. Its public access is off, so a reader created earlier
   * (a site resolving Key Vault references, a Key Vault-backed named value) reaches nothing.
   */
  readonly ready: Readonly<Record<string, pulumi.Resource[]>>;

  constructor(name: string, args: PrivateLinkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:network:PrivateLink', name, {}, opts);
    // Private DNS zones are global resources.
    const global = { resourceGroupName: args.resourceGroupName, location: 'global', tags: args.tags };

    const zones = new Map<string, { zone: privatedns.PrivateZone; link: privatedns.VirtualNetworkLink }>();
    for (const zoneName of new Set(args.targets.map((target) => target.dnsZone))) {
      const zone = new privatedns.PrivateZone(`${name}-${zoneName}`, { ...global, privateZoneName: zoneName }, { parent: this });
      const link = new privatedns.VirtualNetworkLink(
        `${name}-${zoneName}-link`,
        { ...global, privateZoneName: zone.name, virtualNetworkLinkName: 'vnet', virtualNetwork: { id: args.vnetId }, registrationEnabled: false },
        { parent: this },
      );
      zones.set(zoneName, { zone, link });
    }

    const ready: Record<string, pulumi.Resource[]> = {};
    for (const target of args.targets) {
      const endpoint = new network.PrivateEndpoint(
        `${name}-${target.name}-endpoint`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          tags: args.tags,
          privateEndpointName: `${args.namePrefix}-${target.name}-pe`,
          subnet: { id: args.subnetId },
          applicationSecurityGroups: [{ id: target.applicationSecurityGroupId }],
          privateLinkServiceConnections: [{ name: target.name, privateLinkServiceId: target.resourceId, groupIds: [target.groupId] }],
        },
        { parent: this },
      );
      const { zone, link } = zones.get(target.dnsZone)!;
      const dnsZoneGroup = new network.PrivateDnsZoneGroup(
        `${name}-${target.name}-dns`,
        {
          resourceGroupName: args.resourceGroupName,
          privateEndpointName: endpoint.name,
          privateDnsZoneGroupName: 'default',
          privateDnsZoneConfigs: [{ name: target.dnsZone.replace(/\./g, '-'), privateDnsZoneId: zone.id }],
        },
        { parent: this },
      );
      ready[target.name] = [endpoint, dnsZoneGroup, zone, link];
    }
    this.ready = ready;
    this.registerOutputs({});
  }
}
