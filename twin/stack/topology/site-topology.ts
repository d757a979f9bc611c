import { AUDIT_API_SETTINGS, PATIENT_API_SETTINGS } from '../../../contracts/app-settings';
import type { AccessRules } from '../../function-host/access-restrictions';
import { resourceKey, type DeclaredResource } from '../program-model';
import { AZURE_TO_LOCAL } from './azure-to-local';
import { DeclarationError } from './coverage';
import { at, text, type DeclaredLookup } from './declared-lookup';
import { PLATFORM_SETTINGS } from './declared-types';
import { localSubnet } from './subnets';

export type { AccessRules };

export interface SiteTopology {
  key: string;
  /** The process that hosts it: named after the component that declares the site. */
  process: string;
  name: string;
  id: string;
  /** Its host name in Azure (`<name>.azurewebsites.net`): URLs to it are mapped to its local address. */
  hostName: string;
  /** The identity its Key Vault references are read with (its principal id), if it has one. */
  referencePrincipal?: string;
  listen: string;
  /** Where its outbound connections leave from. */
  outbound: string;
  main: AccessRules;
  scm: AccessRules;
  /** The app settings the app sees (Key Vault references still unresolved), and those withheld, with why. */
  settings: Record<string, string>;
  withheldSettings: Record<string, string>;
  /** The run-from-package zip: the declared blob's source. */
  packageFile: string;
  /** The Node.js major version `linuxFxVersion` names. */
  nodeMajor: string;
}

const SITE = 'azure-native:web:WebApp';
const IDENTITY = 'azure-native:managedidentity:UserAssignedIdentity';
const APP_SETTINGS = new Set<string>([...Object.values(PATIENT_API_SETTINGS), ...Object.values(AUDIT_API_SETTINGS)]);

function principalOf(lookup: DeclaredLookup, identityId: unknown, what: string): string {
  return String(lookup.expect(identityId, IDENTITY, what).state.principalId);
}

function accessRules(lookup: DeclaredLookup, site: DeclaredResource, rules: unknown, defaultAction: unknown, which: string): AccessRules {
  const declared = ((rules as Record<string, unknown>[] | undefined) ?? []).slice().sort((a, b) => Number(a.priority ?? 0) - Number(b.priority ?? 0));
  const what = `${which} access restriction of ${site.name}`;
  const local = declared.map((rule) => {
    if (rule.tag === 'ServiceTag' || rule.headers !== undefined) throw new DeclarationError(`${what} "${String(rule.name)}" filters by service tag or header, which the local stack does not emulate`);
    const action = rule.action === 'Deny' ? ('Deny' as const) : ('Allow' as const);
    if (rule.vnetSubnetResourceId !== undefined) return { name: String(rule.name), action, ranges: [localSubnet(lookup, rule.vnetSubnetResourceId, what).range] };
    const address = text(rule.ipAddress);
    if (address === undefined) throw new DeclarationError(`${what} "${String(rule.name)}" names neither a subnet nor an address`);
    return { name: String(rule.name), action, ranges: [address === 'Any' ? '0.0.0.0/0' : address.includes('/') ? address : `${address}/32`] };
  });
  // Unset: with no rules every source is admitted; with rules the unmatched are denied.
  const fallback = defaultAction === 'Allow' || defaultAction === 'Deny' ? defaultAction : local.length === 0 ? 'Allow' : 'Deny';
  return { rules: local, defaultAction: fallback };
}

function appSettings(site: DeclaredResource): { settings: Record<string, string>; withheld: Record<string, string> } {
  const settings: Record<string, string> = {};
  const withheld: Record<string, string> = {};
  for (const entry of (at(site.inputs, 'siteConfig.appSettings') as { name: string; value: string }[] | undefined) ?? []) {
    const why = PLATFORM_SETTINGS.notEmulated[entry.name];
    if (why !== undefined) withheld[entry.name] = why;
    else if (entry.name in PLATFORM_SETTINGS.emulated || APP_SETTINGS.has(entry.name)) settings[entry.name] = String(entry.value);
    else throw new DeclarationError(`site ${site.name} declares app setting ${entry.name}, which is neither a setting of the apps (contracts/app-settings.ts) nor a platform setting the local stack knows`);
  }
  if (settings.FUNCTIONS_WORKER_RUNTIME !== 'node') throw new DeclarationError(`site ${site.name}: FUNCTIONS_WORKER_RUNTIME must be node, the only worker the local host runs`);
  if (settings.FUNCTIONS_EXTENSION_VERSION !== '~4') throw new DeclarationError(`site ${site.name}: FUNCTIONS_EXTENSION_VERSION must be ~4, the host version the local host imitates`);
  return { settings, withheld };
}

/**
 * The zip WEBSITE_RUN_FROM_PACKAGE points at: a blob `patientctl deploy` uploads, so its URL must
 * name a declared container of a declared account, and the content-addressed name of a package
 * the program was built with.
 */
function packageFile(lookup: DeclaredLookup, site: DeclaredResource, url: string | undefined, packages: Record<string, string>): string {
  const match = url === undefined ? null : /^https:\/\/([^.]+)\.blob\.core\.windows\.net\/([^/]+)\/([^/]+)$/.exec(url);
  const container =
    match &&
    lookup.ofType('azure-native:storage:BlobContainer').find((c) => c.inputs.accountName === match[1] && c.inputs.containerName === match[2]) &&
    lookup.ofType('azure-native:storage:StorageAccount').find((a) => a.inputs.accountName === match[1]);
  const file = container ? packages[match[3]] : undefined;
  if (file === undefined) {
    throw new DeclarationError(`site ${site.name}: WEBSITE_RUN_FROM_PACKAGE must be the URL of a package deploy uploads (a declared container, the name of a package the program built); got ${url ?? 'nothing'}`);
  }
  return file;
}

/** One Functions host per declared function app. */
export function siteTopologies(lookup: DeclaredLookup, packages: Record<string, string>): SiteTopology[] {
  return lookup.ofType(SITE).map((site) => {
    const kind = text(site.inputs.kind) ?? '';
    if (!kind.includes('functionapp') || !kind.includes('linux')) throw new DeclarationError(`site ${site.name} is a ${kind || 'web app'}; the local stack hosts Linux function apps only`);
    const runtime = /^node\|(\d+)/i.exec(text(at(site.inputs, 'siteConfig.linuxFxVersion')) ?? '');
    if (!runtime) throw new DeclarationError(`site ${site.name}: linuxFxVersion must name a Node.js version (Node|<major>)`);
    const identity = site.inputs.identity as { type?: string; userAssignedIdentities?: string[] } | undefined;
    for (const id of identity?.userAssignedIdentities ?? []) principalOf(lookup, id, `site ${site.name}'s identity`);
    const referenceIdentity = site.inputs.keyVaultReferenceIdentity;
    const systemPrincipal = text(at(site.state, 'identity.principalId'));
    const referencePrincipal = referenceIdentity !== undefined ? principalOf(lookup, referenceIdentity, `site ${site.name}'s keyVaultReferenceIdentity`) : systemPrincipal;
    const subnet = site.inputs.virtualNetworkSubnetId === undefined ? undefined : localSubnet(lookup, site.inputs.virtualNetworkSubnetId, `site ${site.name}'s virtualNetworkSubnetId`);
    const routeAll = at(site.inputs, 'siteConfig.vnetRouteAllEnabled') === true;
    const main = accessRules(lookup, site, at(site.inputs, 'siteConfig.ipSecurityRestrictions'), at(site.inputs, 'siteConfig.ipSecurityRestrictionsDefaultAction'), 'main site');
    const scm =
      at(site.inputs, 'siteConfig.scmIpSecurityRestrictionsUseMain') === true
        ? main
        : accessRules(lookup, site, at(site.inputs, 'siteConfig.scmIpSecurityRestrictions'), at(site.inputs, 'siteConfig.scmIpSecurityRestrictionsDefaultAction'), 'SCM site');
    const { settings, withheld } = appSettings(site);
    return {
      key: resourceKey(site),
      process: lookup.componentName(site),
      name: text(site.inputs.name) ?? site.name,
      id: site.id,
      hostName: String(site.state.defaultHostName),
      ...(referencePrincipal !== undefined ? { referencePrincipal } : {}),
      listen: subnet?.listen ?? AZURE_TO_LOCAL.loopback,
      outbound: subnet && routeAll ? subnet.outbound : AZURE_TO_LOCAL.publicOutboundAddress,
      main,
      scm,
      settings,
      withheldSettings: withheld,
      packageFile: packageFile(lookup, site, settings.WEBSITE_RUN_FROM_PACKAGE, packages),
      nodeMajor: runtime[1],
    };
  });
}
