import { builtInRoles } from '../../../stacks/roles';
import { resourceKey, type DeclaredResource } from '../program-model';
import type { NetworkRules } from '../../secrets/key-vault';
import { DeclarationError } from './coverage';
import { at, text, type DeclaredLookup } from './declared-lookup';
import { privatePaths, type PrivatePath } from './private-endpoints';
import { admittedRange } from './subnets';

/** How a secret's value is made on this machine. */
export type LocalSecretValue =
  /** A RandomPassword's result: random here, kept once made (Pulumi keeps it in its state). */
  | { kind: 'random'; length: number; special: boolean }
  /** A Cosmos DB account's connection string (listConnectionStrings): the local account's. */
  | { kind: 'connection-string'; accountKey: string }
  | { kind: 'text'; text: string };

export interface DeclaredSecret {
  key: string;
  name: string;
  value: LocalSecretValue;
  /** Written at creation only: the program ignores later changes to it (rotation owns it). */
  writeOnce: boolean;
}

/** Key Vault Secrets User for one principal on one secret. */
export interface DeclaredGrant {
  key: string;
  principalId: string;
  secret: string;
}

export interface VaultTopology {
  key: string;
  name: string;
  /** Its data-plane URI as the program sees it: what Key Vault references and named values point at. */
  uri: string;
  /** Its public access and firewall: a vault with no private endpoint yet, as ARM creates it. */
  rules: NetworkRules;
  /** Its private endpoints, which the start plan connects in the program's creation order. */
  privatePaths: PrivatePath[];
  secrets: DeclaredSecret[];
  grants: DeclaredGrant[];
  /** Role assignments on resources the local stack does not emulate (storage), with what they grant. */
  ignoredGrants: string[];
}

const VAULT = 'azure-native:keyvault:Vault';
const SECRET = 'azure-native:keyvault:Secret';
const SECRETS_USER = `/providers/Microsoft.Authorization/roleDefinitions/${builtInRoles.keyVaultSecretsUser}`;

function secretValue(lookup: DeclaredLookup, secret: DeclaredResource): LocalSecretValue {
  const value = at(secret.inputs, 'properties.value');
  if (typeof value !== 'string') throw new DeclarationError(`secret ${secret.name} declares no value`);
  const random = lookup.producerOf('random:index/randomPassword:RandomPassword', 'result', value);
  if (random) return { kind: 'random', length: Number(random.inputs.length ?? 32), special: random.inputs.special !== false };
  const account = Object.entries(lookup.model.connectionStrings).find(([, connectionString]) => connectionString === value)?.[0];
  if (account !== undefined) {
    const declared = lookup.ofType('azure-native:cosmosdb:DatabaseAccount').find((resource) => resource.inputs.accountName === account);
    if (!declared) throw new DeclarationError(`secret ${secret.name} holds the connection string of an undeclared account ${account}`);
    return { kind: 'connection-string', accountKey: resourceKey(declared) };
  }
  return { kind: 'text', text: value };
}

function networkRules(lookup: DeclaredLookup, vault: DeclaredResource): NetworkRules {
  const acls = (at(vault.inputs, 'properties.networkAcls') as Record<string, unknown> | undefined) ?? {};
  const what = `vault ${vault.name}'s network rules`;
  const subnets = ((acls.virtualNetworkRules as Record<string, unknown>[] | undefined) ?? []).map((rule) =>
    admittedRange(lookup, rule, 'Microsoft.KeyVault', 'ignoreMissingVnetServiceEndpoint', what),
  );
  const ips = ((acls.ipRules as { value?: string }[] | undefined) ?? []).map((rule) => String(rule.value));
  return {
    publicNetworkAccess: at(vault.inputs, 'properties.publicNetworkAccess') === 'Disabled' ? 'Disabled' : 'Enabled',
    defaultAction: acls.defaultAction === 'Deny' ? 'Deny' : 'Allow',
    allowedRanges: [...subnets, ...ips],
  };
}

/** The vault the program declares (one), its secrets and who may read them. */
export function vaultTopology(lookup: DeclaredLookup): VaultTopology {
  const vaults = lookup.ofType(VAULT);
  if (vaults.length !== 1) throw new DeclarationError(`the local stack runs one Key Vault; the program declares ${vaults.length}`);
  const vault = vaults[0];
  if (at(vault.inputs, 'properties.enableRbacAuthorization') !== true) {
    throw new DeclarationError(`vault ${vault.name} uses access policies; the Key Vault twin authorizes with role assignments only`);
  }
  const name = text(vault.inputs.vaultName) ?? vault.name;
  const secretResources = lookup.ofType(SECRET).filter((secret) => secret.inputs.vaultName === name);
  const secrets = secretResources.map((secret) => ({
    key: resourceKey(secret),
    name: String(secret.inputs.secretName),
    value: secretValue(lookup, secret),
    writeOnce: secret.ignoreChanges.some((path) => path === 'properties' || path === 'properties.value'),
  }));
  const grants: DeclaredGrant[] = [];
  const ignoredGrants: string[] = [];
  for (const assignment of lookup.ofType('azure-native:authorization:RoleAssignment')) {
    const scope = lookup.byId(String(assignment.inputs.scope));
    const role = String(assignment.inputs.roleDefinitionId);
    const principalId = String(assignment.inputs.principalId);
    const onThisVault = scope === vault || (scope?.type === SECRET && scope.inputs.vaultName === name);
    if (!onThisVault) {
      if (scope && !scope.type.startsWith('azure-native:keyvault:')) {
        ignoredGrants.push(`${assignment.name} (on ${scope.type}, not emulated)`);
        continue;
      }
      throw new DeclarationError(`role assignment ${assignment.name} is scoped to ${String(assignment.inputs.scope)}, which the local stack cannot follow`);
    }
    if (!role.endsWith(SECRETS_USER)) throw new DeclarationError(`role assignment ${assignment.name} grants ${role}; the Key Vault twin knows only Key Vault Secrets User`);
    const granted = scope === vault ? secrets.map((secret) => secret.name) : [String(scope.inputs.secretName)];
    for (const secret of granted) grants.push({ key: resourceKey(assignment), principalId, secret });
  }
  return {
    key: resourceKey(vault),
    name,
    uri: String(at(vault.state, 'properties.vaultUri')),
    rules: networkRules(lookup, vault),
    privatePaths: privatePaths(lookup, vault.id, `vault ${vault.name}'s private endpoints`),
    secrets,
    grants,
    ignoredGrants,
  };
}
