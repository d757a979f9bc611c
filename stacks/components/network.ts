import * as pulumi from '@pulumi/pulumi';
import * as network from '@pulumi/azure-native/network';
import type { IdentityName } from '../../contracts/apps';
import type { Placement } from './placement';

export interface NetworkArgs extends Placement {
  vnetName: string;
  addressSpace: string;
  apimSubnetPrefix: string;
  patientApiSubnetPrefix: string;
  auditApiSubnetPrefix: string;
}

interface InboundRule {
  name: string;
  from: string;
  ports: string[];
  purpose: string;
}

interface OutboundRule {
  name: string;
  to: string;
  ports: string[];
  purpose: string;
}

/** What API Management needs in External VNet mode (classic tiers, stv2). */
const apimInbound: InboundRule[] = [
  { name: 'allow-client-https', from: 'Internet', ports: ['443'], purpose: 'Client communication to API Management' },
  { name: 'allow-apim-management', from: 'ApiManagement', ports: ['3443'], purpose: 'Management endpoint for the Azure portal and ARM' },
  { name: 'allow-azure-load-balancer', from: 'AzureLoadBalancer', ports: ['6390'], purpose: 'Azure infrastructure load balancer' },
];

const apimOutbound: OutboundRule[] = [
  { name: 'allow-storage', to: 'Storage', ports: ['443'], purpose: 'Dependency on Azure Storage' },
  { name: 'allow-sql', to: 'Sql', ports: ['1433'], purpose: 'Access to Azure SQL endpoints (service configuration)' },
  { name: 'allow-key-vault', to: 'AzureKeyVault', ports: ['443'], purpose: 'Key Vault-backed named values' },
  { name: 'allow-azure-monitor', to: 'AzureMonitor', ports: ['1886', '443'], purpose: 'Diagnostics, metrics and Application Insights' },
];

function securityRules(): network.NetworkSecurityGroupArgs['securityRules'] {
  const inbound = apimInbound.map((rule, index) => ({
    name: rule.name,
    description: rule.purpose,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    priority: 100 + index * 10,
    sourceAddressPrefix: rule.from,
    sourcePortRange: '*',
    destinationAddressPrefix: 'VirtualNetwork',
    destinationPortRanges: rule.ports,
  }));
  const outbound = apimOutbound.map((rule, index) => ({
    name: rule.name,
    description: rule.purpose,
    direction: 'Outbound',
    access: 'Allow',
    protocol: 'Tcp',
    priority: 100 + index * 10,
    sourceAddressPrefix: 'VirtualNetwork',
    sourcePortRange: '*',
    destinationAddressPrefix: rule.to,
    destinationPortRanges: rule.ports,
  }));
  return [...inbound, ...outbound];
}

/** Service endpoints let the firewalls of the app sites, Key Vault and Cosmos DB admit a subnet by name. */
const apimServiceEndpoints = ['Microsoft.Web', 'Microsoft.KeyVault'];
const integrationServiceEndpoints = ['Microsoft.Web', 'Microsoft.KeyVault', 'Microsoft.AzureCosmosDB'];

/**
 * The virtual network: a subnet for API Management and one VNet-integration subnet per function app,
 * so access rules can tell the callers apart.
 */
export class Network extends pulumi.ComponentResource {
  readonly vnetId: pulumi.Output<string>;
  /** The subnet each identity's traffic leaves from: API Management's, and each app's integration subnet. */
  readonly subnetIds: Readonly<Record<IdentityName, pulumi.Output<string>>>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:network:Network', name, {}, opts);
    const placement = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };

    const nsg = new network.NetworkSecurityGroup(
      `${name}-apim-nsg`,
      { ...placement, networkSecurityGroupName: `${args.vnetName}-apim-nsg`, securityRules: securityRules() },
      { parent: this },
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
        networkSecurityGroup: { id: nsg.id },
        serviceEndpoints: apimServiceEndpoints.map((service) => ({ service })),
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
          delegations: [{ name: 'server-farms', serviceName: 'Microsoft.Web/serverFarms' }],
          serviceEndpoints: integrationServiceEndpoints.map((service) => ({ service })),
        },
        { parent: this, dependsOn: [after] },
      );
    const patientApiSubnet = integrationSubnet('patient-api', args.patientApiSubnetPrefix, apimSubnet);
    const auditApiSubnet = integrationSubnet('audit-api', args.auditApiSubnetPrefix, patientApiSubnet);

    this.vnetId = vnet.id;
    this.subnetIds = { apim: apimSubnet.id, 'patient-api': patientApiSubnet.id, 'audit-api': auditApiSubnet.id };
    this.registerOutputs({ vnetId: this.vnetId, subnetIds: this.subnetIds });
  }
}
