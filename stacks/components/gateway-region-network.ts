import * as pulumi from '@pulumi/pulumi';
import * as network from '@pulumi/azure-native/network';
import { apimSubnetRules } from './nsg-rules';
import type { Placement } from './placement';

export interface GatewayRegionNetworkArgs extends Placement {
  vnetName: string;
  addressSpace: string;
  apimSubnetPrefix: string;
}

/**
 * The network of API Management's second region: a VNet holding only the gateway's subnet, with the
 * same NSG rules as the first region's. The gateway there reaches the Patient API over its public,
 * access-restricted host name like the first region's (which admits this subnet too), never through this VNet.
 */
export class GatewayRegionNetwork extends pulumi.ComponentResource {
  readonly apimSubnetId: pulumi.Output<string>;

  constructor(name: string, args: GatewayRegionNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:network:GatewayRegionNetwork', name, {}, opts);
    const placement = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };
    const nsg = new network.NetworkSecurityGroup(
      `${name}-apim-nsg`,
      { ...placement, networkSecurityGroupName: `${args.vnetName}-apim-nsg`, securityRules: apimSubnetRules() },
      { parent: this },
    );
    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      { ...placement, virtualNetworkName: args.vnetName, addressSpace: { addressPrefixes: [args.addressSpace] } },
      { parent: this },
    );
    const subnet = new network.Subnet(
      `${name}-apim-subnet`,
      {
        resourceGroupName: args.resourceGroupName,
        virtualNetworkName: vnet.name,
        subnetName: `apim-${args.location}`,
        addressPrefix: args.apimSubnetPrefix,
        networkSecurityGroup: { id: nsg.id },
        // The Patient API's access restrictions admit this subnet by name, as they admit the first region's.
        serviceEndpoints: [{ service: 'Microsoft.Web' }],
        defaultOutboundAccess: false,
      },
      { parent: this },
    );
    this.apimSubnetId = subnet.id;
    this.registerOutputs({ apimSubnetId: this.apimSubnetId });
  }
}
