import type { Pillar } from './rule';

/** A rule of the baseline for a type the stack declares that never runs on it, and why. */
export interface NotApplicableRule {
  id: `Azure.${string}`;
  pillar: Pillar;
  reason: string;
}

const naming = (id: `Azure.${string}`, option: string): NotApplicableRule => ({
  id,
  pillar: 'Operational Excellence',
  reason: `runs only when the \`${option}\` option names a format; set it in ps-rule.yaml to enforce a naming convention`,
});

/**
 * The rules of PSRule for Azure's GA baseline (Azure.GA_2026_03) whose target types the stack
 * declares but whose preconditions are false for it (rule sources of PSRule.Rules.Azure v1.48).
 * With policy/psrule/rules.ts, they make up every baseline rule for the stack's types.
 */
export const NOT_APPLICABLE: readonly NotApplicableRule[] = [
  { id: 'Azure.Resource.RequiredTags', pillar: 'Operational Excellence', reason: 'runs only when `AZURE_RESOURCE_REQUIRED_TAGS` lists tags' },
  naming('Azure.Group.Naming', 'AZURE_RESOURCE_GROUP_NAME_FORMAT'),
  { id: 'Azure.Group.RequiredTags', pillar: 'Operational Excellence', reason: 'runs only when `AZURE_RESOURCE_GROUP_REQUIRED_TAGS` lists tags' },
  naming('Azure.VNET.Naming', 'AZURE_VNET_NAME_FORMAT'),
  { id: 'Azure.VNET.PeerState', pillar: 'Operational Excellence', reason: 'the VNets have no peerings' },
  naming('Azure.VNET.SubnetNaming', 'AZURE_VNET_SUBNET_NAME_FORMAT'),
  { id: 'Azure.VNET.BastionSubnet', pillar: 'Reliability', reason: 'runs only on a VNet with a GatewaySubnet; there is none' },
  { id: 'Azure.VNET.FirewallSubnet', pillar: 'Security', reason: 'runs only on a VNet with a GatewaySubnet; there is none' },
  { id: 'Azure.VNET.FirewallSubnetNAT', pillar: 'Reliability', reason: 'runs only with `AZURE_FIREWALL_IS_ZONAL` on an AzureFirewallSubnet; there is no firewall' },
  naming('Azure.NSG.Naming', 'AZURE_NETWORK_SECURITY_GROUP_NAME_FORMAT'),
  { id: 'Azure.NSG.AKSRules', pillar: 'Operational Excellence', reason: 'runs only on NSGs that AKS manages' },
  naming('Azure.PublicIP.Naming', 'AZURE_PUBLIC_IP_ADDRESS_NAME_FORMAT'),
  { id: 'Azure.Log.ReplicaLocation', pillar: 'Security', reason: 'runs only on a workspace with a replication location (see the Azure.Log.Replication waiver)' },
  naming('Azure.Log.Naming', 'AZURE_LOG_WORKSPACE_NAME_FORMAT'),
  naming('Azure.AppInsights.Naming', 'AZURE_APP_INSIGHTS_NAME_FORMAT'),
  { id: 'Azure.Cosmos.NoSQLLocalAuth', pillar: 'Security', reason: 'runs only on NoSQL accounts; both accounts declare the EnableMongo capability (the MongoDB wire protocol authenticates with the account key)' },
  { id: 'Azure.Cosmos.DefenderCloud', pillar: 'Security', reason: 'runs only on NoSQL accounts with `AZURE_COSMOS_DEFENDER_PER_ACCOUNT` on' },
  naming('Azure.Cosmos.MongoNaming', 'AZURE_COSMOS_MONGO_NAME_FORMAT'),
  { id: 'Azure.Cosmos.NoSQLNaming', pillar: 'Operational Excellence', reason: 'runs only on NoSQL accounts' },
  { id: 'Azure.Cosmos.CassandraNaming', pillar: 'Operational Excellence', reason: 'runs only on Cassandra accounts' },
  { id: 'Azure.Cosmos.TableNaming', pillar: 'Operational Excellence', reason: 'runs only on Table accounts' },
  { id: 'Azure.Cosmos.GremlinNaming', pillar: 'Operational Excellence', reason: 'runs only on Gremlin accounts' },
  { id: 'Azure.Storage.FileShareSoftDelete', pillar: 'Reliability', reason: 'runs only on FileStorage accounts; the package stores are StorageV2' },
  { id: 'Azure.Storage.DefenderCloud', pillar: 'Security', reason: 'runs only with `AZURE_STORAGE_DEFENDER_PER_ACCOUNT` on (Defender for Storage is the subscription plan of the platform team)' },
  naming('Azure.Storage.Naming', 'AZURE_STORAGE_ACCOUNT_NAME_FORMAT'),
  { id: 'Azure.AppService.MinPlan', pillar: 'Performance Efficiency', reason: 'skips Elastic Premium plans' },
  { id: 'Azure.AppService.PlanInstanceCount', pillar: 'Reliability', reason: 'skips Elastic Premium plans (they scale out on demand)' },
  { id: 'Azure.AppService.AlwaysOn', pillar: 'Reliability', reason: 'runs only on web and API apps; both sites are function apps' },
  { id: 'Azure.AppService.WebProbe', pillar: 'Reliability', reason: 'runs only on web apps; both sites are function apps' },
  { id: 'Azure.AppService.WebProbePath', pillar: 'Reliability', reason: 'runs only on web apps; both sites are function apps' },
  { id: 'Azure.AppService.WebSecureFtp', pillar: 'Security', reason: 'runs only on web apps (FTP is off on both function apps all the same)' },
  { id: 'Azure.APIM.CORSPolicy', pillar: 'Security', reason: 'runs only where a policy has a `<cors>` element; none has' },
];
