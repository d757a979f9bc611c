import { creationOrder, type StackModel } from '../program-model';
import { accountTopologies, type AccountTopology } from './cosmos-topology';
import { checkCoverage, DeclarationError, type NotEmulated } from './coverage';
import { DeclaredLookup } from './declared-lookup';
import { gatewayTopology, type GatewayTopology } from './gateway-topology';
import { siteTopologies, type SiteTopology } from './site-topology';
import { startPlan, type StartPlan } from './start-order';
import { vaultTopology, type VaultTopology } from './vault-topology';

/** The local stack as data: everything the supervisor starts, built from what the program declared. */
export interface LocalTopology {
  subscriptionId: string;
  resourceGroup: string;
  vault: VaultTopology;
  accounts: AccountTopology[];
  sites: SiteTopology[];
  gateway: GatewayTopology;
  plan: StartPlan;
  /** Declared types and properties nothing local depends on, and why. */
  notEmulated: NotEmulated[];
  /** The program's string outputs (ARM ids, names) as it resolved them under the mocks. */
  outputs: Record<string, string>;
}

export function materialize(model: StackModel): LocalTopology {
  const notEmulated = checkCoverage(model.resources);
  const lookup = new DeclaredLookup(model);
  const groups = lookup.ofType('azure-native:resources:ResourceGroup');
  if (groups.length !== 1) throw new DeclarationError(`the ARM twin serves one resource group; the program declares ${groups.length}`);
  const vault = vaultTopology(lookup);
  const sites = siteTopologies(lookup, model.packages ?? {});
  const gateway = gatewayTopology(lookup, vault.uri);
  const accounts = accountTopologies(lookup);
  const outputs = Object.fromEntries(Object.entries(model.outputs).flatMap(([name, output]) => (typeof output.value === 'string' ? [[name, output.value]] : [])));
  for (const note of vault.ignoredGrants) notEmulated.push({ what: 'azure-native:authorization:RoleAssignment on a resource not emulated', resources: [note], why: 'the resource it grants on is not emulated' });
  return {
    subscriptionId: model.subscriptionId,
    resourceGroup: String(groups[0].inputs.resourceGroupName),
    vault,
    accounts,
    sites,
    gateway,
    plan: startPlan(lookup, creationOrder(model), vault, accounts, sites, gateway),
    notEmulated,
    outputs,
  };
}
