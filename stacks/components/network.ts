import * as pulumi from '@pulumi/pulumi';
import * as network from '@pulumi/azure-native/network';
import type { IdentityName } from '../../contracts/apps';
import { apimSubnetRules, denyLateralManagement, privateEndpointSubnetRules, type SecurityRule } from './nsg-rules';
import type { Placement } from './placement';

/** A service reached through a private endpoint, with the ports it serves and the subnets admitted to it. */
export interface PrivateTarget {
  ports: readonly string[];
  callers: readonly IdentityName[];
}

export interface NetworkArgs<Target extends string> extends Placement {
  vnetName: string;
  addressSpace: string;
  apimSubnetPrefix: string;
  patientApiSubnetPrefix: string;
  auditApiSubnetPrefix: string;
  privateEndpointSubnetPrefix: string;
  privateTargets: Record<Target, PrivateTarget>;
}

/**
 * Service endpoints: Microsoft.Web lets each app's access restrictions admit its caller's subnet by
 * name; Microsoft.Storage lets each app's storage firewall admit its integration subnet. Key Vault
 * and Cosmos DB are reached through their private endpoints instead.
 */
const apimServiceEndpoints = ['Microsoft.Web'];
const integrationServiceEndpoints = ['Microsoft.Web', 'Microsoft.Storage'];

/**
 * The virtual network: a subnet for API Management, one VNet-integration subnet per function app (so
 * access rules can tell the callers apart), and one for the private endpoints. Every subnet has an
 * NSG; the subnets that are not delegated have no default outbound access.
 */
export class Network<Target extends string> extends pulumi.ComponentResource {
  readonly vnetId: pulumi.Output<string>;
  /** The subnet each identity's traffic leaves from: API Management's, and each app's integration subnet. */
  readonly subnetIds: Readonly<Record<IdentityName, pulumi.Output<string>>>;
  readonly privateEndpointSubnetId: pulumi.Output<string>;
  /** The application security group each private endpoint joins, which the endpoint subnet's NSG admits by. */
  readonly privateTargetGroupIds: Readonly<Record<Target, pulumi.Output<string>>>;

  constructor(name: string, args: NetworkArgs<Target>, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:network:Network', name, {}, opts);
    const placement = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };
    const prefixes: Record<IdentityName, string> = {
      apim: args.apimSubnetPrefix,
      'patient-api': args.patientApiSubnetPrefix,
      'audit-api': args.auditApiSubnetPrefix,
    };
    const nsg = (subnet: string, securityRules: SecurityRule[]) =>
      new network.NetworkSecurityGroup(
        `${name}-${subnet}-nsg`,
        { ...placement, networkSecurityGroupName: `${args.vnetName}-${subnet}-nsg`, securityRules },
        { parent: this },
      );

    const targets = Object.entries(args.privateTargets) as Array<[Target, PrivateTarget]>;
    const groups = Object.fromEntries(
      targets.map(([target]) => [
        target,
        new network.ApplicationSecurityGroup(
          `${name}-${target}-asg`,
          { ...placement, applicationSecurityGroupName: `${args.vnetName}-${target}-asg` },
          { parent: this },
        ),
      ]),
    ) as Record<Target, network.ApplicationSecurityGroup>;
    const endpointRules = privateEndpointSubnetRules(
      targets.map(([target, { ports, callers }]) => ({
        name: target,
        applicationSecurityGroupId: groups[target].id,
        callerPrefixes: callers.map((caller) => prefixes[caller]),
        ports,
      })),
    );

    // Subnets are separate resources and never listed inline on the VNet: inline subnets make every
    // `pulumi up` fight the separately managed ones (a perpetual diff). The provider keeps subnets it
    // does not see in the VNet's inputs when it updates the VNet.
    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      { ...placement, virtualNetworkName: args.vnetName, addressSpace: { addressPrefixes: [args.addressSpace] } },
      { parent: this },
    );

    const subnetBase = { resourceGroupName: args.resourceGroupName, virtualNetworkName: vnet.name };
    const apimSubnet = new network.Subnet(
      `${name}-apim-subnet`,
      {
        ...subnetBase,
        subnetName: 'apim',
        addressPrefix: args.apimSubnetPrefix,
        networkSecurityGroup: { id: nsg('apim', apimSubnetRules()).id },
        serviceEndpoints: apimServiceEndpoints.map((service) => ({ service })),
        // API Management leaves through its own Standard public IP (assumed), not the implicit one.
        defaultOutboundAccess: false,
      },
      { parent: this },
    );
    // One subnet at a time: Azure rejects concurrent writes to subnets of the same VNet.
    const integrationSubnet = (app: string, prefix: string, after: pulumi.Resource): network.Subnet =>
      new network.Subnet(
        `${name}-${app}-subnet`,
        {
          ...subnetBase,
          subnetName: app,
          addressPrefix: prefix,
          networkSecurityGroup: { id: nsg(app, [denyLateralManagement]).id },
          delegations: [{ name: 'server-farms', serviceName: 'Microsoft.Web/serverFarms' }],
          serviceEndpoints: integrationServiceEndpoints.map((service) => ({ service })),
        },
        { parent: this, dependsOn: [after] },
      );
    const patientApiSubnet = integrationSubnet('patient-api', args.patientApiSubnetPrefix, apimSubnet);
    const auditApiSubnet = integrationSubnet('audit-api', args.auditApiSubnetPrefix, patientApiSubnet);
    const endpointSubnet = new network.Subnet(
      `${name}-private-endpoints-subnet`,
      {
        ...subnetBase,
        subnetName: 'private-endpoints',
        addressPrefix: args.privateEndpointSubnetPrefix,
        networkSecurityGroup: { id: nsg('private-endpoints', endpointRules).id },
        // The NSG applies to private endpoints only with network policies on.
        privateEndpointNetworkPolicies: 'Enabled',
        defaultOutboundAccess: false,
      },
      { parent: this, dependsOn: [auditApiSubnet] },
    );

    this.vnetId = vnet.id;
    this.subnetIds = { apim: apimSubnet.id, 'patient-api': patientApiSubnet.id, 'audit-api': auditApiSubnet.id };
    this.privateEndpointSubnetId = endpointSubnet.id;
    this.privateTargetGroupIds = Object.fromEntries(targets.map(([target]) => [target, groups[target].id])) as Record<Target, pulumi.Output<string>>;
    this.registerOutputs({ vnetId: this.vnetId, subnetIds: this.subnetIds, privateEndpointSubnetId: this.privateEndpointSubnetId });
  }
}
