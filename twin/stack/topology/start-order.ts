import { parseCidr } from '../../network/cidr';
import type { NetworkRules } from '../../secrets/key-vault';
import { parseKeyVaultReference } from '../../secrets/key-vault-reference';
import type { CreatedBefore, DeclaredResource } from '../program-model';
import type { AccountTopology } from './cosmos-topology';
import type { DeclaredLookup } from './declared-lookup';
import type { GatewayTopology } from './gateway-topology';
import type { PrivatePath } from './private-endpoints';
import type { SiteTopology } from './site-topology';
import type { DeclaredGrant, VaultTopology } from './vault-topology';

/** What reads the vault when it starts: a site (its Key Vault references), or the gateway (its named values). */
export type Reader = { kind: 'site'; site: SiteTopology } | { kind: 'gateway'; gateway: GatewayTopology };

/**
 * The order the local stack brings things up in, following the engine's creation order: databases
 * and secrets first, then each reader in creation order with the grants and the vault's private
 * endpoints created before it; those the graph does not put before any reader come last, as they
 * may in Azure.
 */
export interface StartPlan {
  readers: { reader: Reader; grantsBefore: DeclaredGrant[]; vaultPathsBefore: PrivatePath[] }[];
  grantsAfter: DeclaredGrant[];
  vaultPathsAfter: PrivatePath[];
  /** Where the dependency graph lets a reader start before the grant or the private path it needs. */
  warnings: string[];
}

function keyOf(reader: Reader): string {
  return reader.kind === 'site' ? reader.site.key : reader.gateway.key;
}

/** Sorts by "created before", keeping declaration order where the graph leaves it open. */
function inCreationOrder(readers: Reader[], before: (a: string, b: string) => boolean): Reader[] {
  const pending = [...readers];
  const sorted: Reader[] = [];
  while (pending.length > 0) {
    const next = pending.findIndex((candidate) => !pending.some((other) => other !== candidate && before(keyOf(other), keyOf(candidate))));
    sorted.push(...pending.splice(next < 0 ? 0 : next, 1));
  }
  return sorted;
}

const within = (ranges: readonly string[], address: string) => ranges.some((range) => parseCidr(range).contains(address));

/** Whether a vault's public endpoint admits an address (public access on, and its firewall letting it in). */
function vaultAdmitsPublicly(rules: NetworkRules, address: string): boolean {
  return rules.publicNetworkAccess === 'Enabled' && (rules.defaultAction === 'Allow' || within(rules.allowedRanges, address));
}

export function startPlan(
  lookup: DeclaredLookup,
  created: CreatedBefore,
  vault: VaultTopology,
  accounts: AccountTopology[],
  sites: SiteTopology[],
  gateway: GatewayTopology,
): StartPlan {
  const resources = new Map<string, DeclaredResource>(lookup.model.resources.map((resource) => [`${resource.type}::${resource.name}`, resource]));
  const before = (earlier: string, later: string) => created(resources.get(earlier)!, resources.get(later)!);
  const pathBefore = (path: PrivatePath, later: string) => path.resources.every((key) => before(key, later));
  /** The resources whose creation is the reader's first read: the site itself, or each named value. */
  const readingResources = (reader: Reader) => (reader.kind === 'site' ? [reader.site.key] : reader.gateway.namedValues.map((value) => value.key));

  const readers = inCreationOrder([...sites.map((site) => ({ kind: 'site' as const, site })), { kind: 'gateway', gateway }], before);
  const applied = new Set<DeclaredGrant>();
  const connected = new Set<PrivatePath>();
  const plan: StartPlan = { readers: [], grantsAfter: [], vaultPathsAfter: [], warnings: [] };
  for (const reader of readers) {
    const grantsBefore = vault.grants.filter((grant) => !applied.has(grant) && readingResources(reader).every((key) => before(grant.key, key)));
    const vaultPathsBefore = vault.privatePaths.filter((path) => !connected.has(path) && readingResources(reader).every((key) => pathBefore(path, key)));
    for (const grant of grantsBefore) applied.add(grant);
    for (const path of vaultPathsBefore) connected.add(path);
    plan.readers.push({ reader, grantsBefore, vaultPathsBefore });
  }
  plan.grantsAfter = vault.grants.filter((grant) => !applied.has(grant));
  plan.vaultPathsAfter = vault.privatePaths.filter((path) => !connected.has(path));

  /**
   * The first resource of the private path a site reaches a service by that the graph lets come
   * after the site; undefined when a path is in place first, or the site reaches the service publicly
   * or not at all (not a matter of order).
   */
  const lateFor = (site: SiteTopology, paths: PrivatePath[], publicly: boolean): string | undefined => {
    const serving = paths.filter((path) => within(path.ranges, site.outbound));
    if (publicly || serving.length === 0 || serving.some((path) => pathBefore(path, site.key))) return undefined;
    return serving[0].resources.find((key) => !before(key, site.key))?.split('::')[1];
  };

  for (const site of sites) {
    const references = Object.entries(site.settings).flatMap(([setting, value]) => {
      const secret = parseKeyVaultReference(value)?.name;
      return secret === undefined ? [] : [{ setting, secret }];
    });
    for (const { setting, secret } of references) {
      const grants = vault.grants.filter((grant) => grant.principalId === site.referencePrincipal && grant.secret === secret);
      if (grants.length === 0) {
        plan.warnings.push(`${site.process}: no role assignment lets its identity read secret ${secret}, so ${setting} stays an unresolved Key Vault reference`);
      } else if (!grants.some((grant) => before(grant.key, site.key))) {
        plan.warnings.push(
          `${site.process}: the dependency graph lets the site start before ${grants[0].key.split('::')[1]} (its read of ${secret}), so ${setting} stays an unresolved Key Vault reference, as App Service leaves it until a refresh`,
        );
      }
    }
    if (references.length === 0) continue;
    const lateVaultPath = lateFor(site, vault.privatePaths, vaultAdmitsPublicly(vault.rules, site.outbound));
    if (lateVaultPath !== undefined) {
      plan.warnings.push(
        `${site.process}: the dependency graph lets the site start before ${lateVaultPath} (its private path to vault ${vault.name}), so its Key Vault references (${references.map((reference) => reference.setting).join(', ')}) stay unresolved, as App Service leaves them until a refresh`,
      );
    }
    // The accounts whose connection strings the site's references hold: it checks them as it starts.
    const accountKeys = new Set(references.flatMap(({ secret }) => {
      const value = vault.secrets.find((declared) => declared.name === secret)?.value;
      return value?.kind === 'connection-string' ? [value.accountKey] : [];
    }));
    for (const account of accounts.filter((candidate) => accountKeys.has(candidate.key))) {
      const publicly = account.publicSources === undefined || within(account.publicSources, site.outbound);
      const lateAccountPath = lateFor(site, account.privatePaths, publicly);
      if (lateAccountPath !== undefined) {
        plan.warnings.push(
          `${site.process}: the dependency graph lets the site start before ${lateAccountPath} (its private path to Cosmos DB account ${account.name}), so on Azure its start-time database check finds the account unreachable; the local account twin admits it from the start`,
        );
      }
    }
  }
  return plan;
}
