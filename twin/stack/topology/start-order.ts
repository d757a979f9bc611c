import { parseKeyVaultReference } from '../../secrets/key-vault-reference';
import type { CreatedBefore, DeclaredResource } from '../program-model';
import type { DeclaredLookup } from './declared-lookup';
import type { GatewayTopology } from './gateway-topology';
import type { SiteTopology } from './site-topology';
import type { DeclaredGrant, VaultTopology } from './vault-topology';

/** What reads the vault when it starts: a site (its Key Vault references), or the gateway (its named values). */
export type Reader = { kind: 'site'; site: SiteTopology } | { kind: 'gateway'; gateway: GatewayTopology };

/**
 * The order the local stack brings things up in, following the engine's creation order: databases
 * and secrets first, then each reader in creation order with the grants created before it; the
 * grants the graph does not put before any reader come last, as they may in Azure.
 */
export interface StartPlan {
  readers: { reader: Reader; grantsBefore: DeclaredGrant[] }[];
  grantsAfter: DeclaredGrant[];
  /** Where the dependency graph lets a reader start before the grant it needs. */
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

export function startPlan(lookup: DeclaredLookup, created: CreatedBefore, vault: VaultTopology, sites: SiteTopology[], gateway: GatewayTopology): StartPlan {
  const resources = new Map<string, DeclaredResource>(lookup.model.resources.map((resource) => [`${resource.type}::${resource.name}`, resource]));
  const before = (earlier: string, later: string) => created(resources.get(earlier)!, resources.get(later)!);
  /** The resources whose creation is the reader's first read: the site itself, or each named value. */
  const readingResources = (reader: Reader) => (reader.kind === 'site' ? [reader.site.key] : reader.gateway.namedValues.map((value) => value.key));

  const readers = inCreationOrder([...sites.map((site) => ({ kind: 'site' as const, site })), { kind: 'gateway', gateway }], before);
  const applied = new Set<DeclaredGrant>();
  const plan: StartPlan = { readers: [], grantsAfter: [], warnings: [] };
  for (const reader of readers) {
    const grantsBefore = vault.grants.filter((grant) => !applied.has(grant) && readingResources(reader).every((key) => before(grant.key, key)));
    for (const grant of grantsBefore) applied.add(grant);
    plan.readers.push({ reader, grantsBefore });
  }
  plan.grantsAfter = vault.grants.filter((grant) => !applied.has(grant));

  for (const site of sites) {
    for (const [setting, value] of Object.entries(site.settings)) {
      const secret = parseKeyVaultReference(value)?.name;
      if (secret === undefined) continue;
      const grants = vault.grants.filter((grant) => grant.principalId === site.referencePrincipal && grant.secret === secret);
      if (grants.length === 0) {
        plan.warnings.push(`${site.process}: no role assignment lets its identity read secret ${secret}, so ${setting} stays an unresolved Key Vault reference`);
      } else if (!grants.some((grant) => before(grant.key, site.key))) {
        plan.warnings.push(
          `${site.process}: the dependency graph lets the site start before ${grants[0].key.split('::')[1]} (its read of ${secret}), so ${setting} stays an unresolved Key Vault reference, as App Service leaves it until a refresh`,
        );
      }
    }
  }
  return plan;
}
