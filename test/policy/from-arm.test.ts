import { expect } from 'chai';
import { modelFromArm, type ArmResource, type ArmSnapshot } from '../../policy/from-arm';
import { invariants, unwaivedViolations } from '../../policy/invariants';
import { compliantArmSnapshot } from './arm-from-mocks';

const live = invariants.filter((invariant) => invariant.notLive === undefined && invariant.programOnly === undefined);

/** Invariants the snapshot breaks, the waivers of its environment applied (policy/waivers.ts), as the pack and verify apply them. */
function failing(snapshot: ArmSnapshot): string[] {
  const model = modelFromArm(snapshot);
  return live.filter((invariant) => unwaivedViolations(invariant, model).length > 0).map((invariant) => invariant.id);
}

function find(snapshot: ArmSnapshot, suffix: string): ArmResource {
  const found = snapshot.resources.find((resource) => resource.id.toLowerCase().endsWith(suffix.toLowerCase()));
  if (!found) throw new Error(`no resource ${suffix}`);
  return found;
}

type Json = Record<string, unknown>;
const props = (resource: ArmResource) => resource.properties as Json;
const obj = (value: unknown) => value as Json;
const rules = (value: unknown) => value as Json[];
const site = (snapshot: ArmSnapshot, app: 'patient-api' | 'audit-api') => snapshot.resources.find((resource) => resource.id === snapshot.sites[app])!;
const config = (snapshot: ArmSnapshot, app: 'patient-api' | 'audit-api', name: 'web' | 'appsettings') => find(snapshot, `${snapshot.sites[app]}/config/${name}`);

/** Drift as it happens on Azure (a portal change, a hand-added rule or grant), each breaking one invariant, and the PSRule for Azure rule that states the same where there is one. */
const drifts: { what: string; breaks: string | string[]; drift: (snapshot: ArmSnapshot) => void }[] = [
  {
    what: 'an IP rule added by hand to the Patient API',
    breaks: 'patient-api-admits-apim-only',
    drift: (x) => rules(props(config(x, 'patient-api', 'web')).ipSecurityRestrictions).push({ ipAddress: '203.0.113.7/32', action: 'Allow', priority: 50, name: 'office' }),
  },
  { what: "the Audit API's default action switched to Allow", breaks: 'audit-api-admits-patient-api-only', drift: (x) => (props(config(x, 'audit-api', 'web')).ipSecurityRestrictionsDefaultAction = 'Allow') },
  { what: 'the SCM site opened', breaks: 'scm-sites-deny', drift: (x) => (props(config(x, 'patient-api', 'web')).scmIpSecurityRestrictionsDefaultAction = 'Allow') },
  { what: 'HTTPS only turned off', breaks: ['apps-https-only', 'Azure.AppService.UseHTTPS'], drift: (x) => (props(site(x, 'audit-api')).httpsOnly = false) },
  { what: 'TLS 1.0 allowed on SCM', breaks: 'apps-tls-1-2', drift: (x) => (props(config(x, 'audit-api', 'web')).scmMinTlsVersion = '1.0') },
  { what: 'FTPS enabled', breaks: 'no-ftp-no-basic-auth', drift: (x) => (props(config(x, 'patient-api', 'web')).ftpsState = 'FtpsOnly') },
  { what: 'SCM basic auth allowed', breaks: 'no-ftp-no-basic-auth', drift: (x) => (props(find(x, `${x.sites['audit-api']}/basicPublishingCredentialsPolicies/scm`)).allow = true) },
  { what: 'route-all turned off', breaks: 'apps-route-all-through-vnet', drift: (x) => (props(config(x, 'patient-api', 'web')).vnetRouteAllEnabled = false) },
  { what: 'VNet integration removed', breaks: ['app-integration-subnets', 'apps-route-all-through-vnet'], drift: (x) => (props(site(x, 'audit-api')).virtualNetworkSubnetId = null) },
  { what: 'a system identity added to an app', breaks: 'identities-per-app', drift: (x) => (site(x, 'audit-api').identity!.type = 'SystemAssigned, UserAssigned') },
  { what: 'vault RBAC mode turned off', breaks: ['vault-rbac-purge-protection', 'Azure.KeyVault.RBAC'], drift: (x) => (props(find(x, '/vaults/' + vaultName(x))).enableRbacAuthorization = false) },
  { what: "the vault's network rules opened in the portal", breaks: ['vault-firewall', 'Azure.KeyVault.Firewall'], drift: (x) => (obj(props(find(x, '/vaults/' + vaultName(x))).networkAcls).defaultAction = 'Allow') },
  {
    what: 'a Secrets User grant added by hand',
    breaks: 'secret-readers-exact',
    drift: (x) => {
      const grant = x.resources.find((resource) => resource.id.includes('/secrets/patients-db-connection/providers/Microsoft.Authorization/'))!;
      const auditPrincipal = x.resources.find((resource) => resource.id.includes('/secrets/audit-db-connection/providers/Microsoft.Authorization/'))!.properties!.principalId;
      x.resources.push({ id: grant.id.replace(/[^/]+$/, 'added-by-hand'), properties: { ...grant.properties, principalId: auditPrincipal } });
    },
  },
  {
    what: "a role on the resource group for an app's identity",
    breaks: 'no-broad-roles',
    drift: (x) => {
      const grant = x.resources.find((resource) => resource.id.includes('/secrets/patients-db-connection/providers/Microsoft.Authorization/'))!;
      const scope = grant.id.replace(/\/providers\/Microsoft\.KeyVault\/.*$/, '');
      x.resources.push({ id: `${scope}/providers/Microsoft.Authorization/roleAssignments/reader`, properties: { ...grant.properties, scope, roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7' } });
    },
  },
  {
    what: 'Cosmos DB public access enabled without its VNet filter',
    breaks: ['cosmos-network-per-app', 'Azure.Cosmos.PublicAccess'],
    drift: (x) => Object.assign(props(x.resources.find((resource) => /databaseAccounts\/[^/]*audit[^/]*$/.test(resource.id))!), { publicNetworkAccess: 'Enabled', isVirtualNetworkFilterEnabled: false }),
  },
  { what: 'API Management taken out of its VNet', breaks: 'apim-external-vnet', drift: (x) => (props(x.resources.find((resource) => /\/service\/[^/]+$/.test(resource.id))!).virtualNetworkType = 'None') },
  {
    what: 'the named value pinned to a secret version',
    breaks: 'named-value-key-vault',
    drift: (x) => {
      const keyVault = obj(props(find(x, '/namedValues/patient-api-host-key')).keyVault);
      keyVault.secretIdentifier = `${String(keyVault.secretIdentifier).replace(/\/$/, '')}/0123456789abcdef0123456789abcdef`;
    },
  },
  { what: 'blob soft delete turned off on a package store', breaks: 'Azure.Storage.SoftDelete', drift: (x) => (obj(props(find(x, `/storageAccounts/${storageName(x)}/blobServices/default`)).deleteRetentionPolicy).enabled = false) },
  {
    what: "the vault's audit diagnostic setting deleted",
    breaks: 'Azure.KeyVault.Logs',
    drift: (x) => x.resources.splice(x.resources.findIndex((resource) => /\/providers\/Microsoft\.Insights\/diagnosticSettings\//i.test(resource.id)), 1),
  },
  {
    what: "the vault's private DNS zone unlinked from the VNet",
    breaks: 'vault-firewall',
    drift: (x) => x.resources.splice(x.resources.findIndex((resource) => /\/privateDnsZones\/privatelink\.vaultcore\.azure\.net\/virtualNetworkLinks\//i.test(resource.id)), 1),
  },
  {
    what: 'an NSG rule letting the whole VNet reach the private endpoints',
    breaks: ['vault-firewall', 'cosmos-network-per-app'],
    drift: (x) => {
      const subnet = find(x, '/subnets/private-endpoints');
      const nsg = find(x, String(obj(props(subnet).networkSecurityGroup).id));
      rules(props(nsg).securityRules).push({ name: 'by-hand', properties: { priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: 'VirtualNetwork', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '443' } });
    },
  },
  { what: 'a connection string pasted into an app setting', breaks: 'no-secret-in-app-settings', drift: (x) => (props(config(x, 'audit-api', 'appsettings')).DEBUG_DB = x.secretValues[0]) },
];

function storageName(snapshot: ArmSnapshot): string {
  return /\/storageAccounts\/([^/]+)$/.exec(snapshot.resources.find((resource) => /\/storageAccounts\/[^/]+$/.test(resource.id))!.id)![1];
}

function vaultName(snapshot: ArmSnapshot): string {
  return /\/vaults\/([^/]+)$/.exec(snapshot.resources.find((resource) => /\/vaults\/[^/]+$/.test(resource.id))!.id)![1];
}

describe('policy: the model from ARM JSON (policy/from-arm.ts), as patientctl verify reads a deployment', function () {
  this.timeout(60_000);
  let compliant: ArmSnapshot;

  before(async () => {
    compliant = await compliantArmSnapshot();
  });

  it('passes every invariant a live deployment can show on the dev stack as ARM answers it', () => {
    expect(failing(compliant)).to.deep.equal([]);
  });

  it('reads siteConfig from /config/web and the app settings from /config/appsettings', () => {
    const model = modelFromArm(compliant);
    const site = model.resources.find((resource) => resource.name === 'patient-api-site')!;
    const siteConfig = site.properties.siteConfig as { ipSecurityRestrictionsDefaultAction: string; appSettings: { name: string }[] };
    expect(siteConfig.ipSecurityRestrictionsDefaultAction).to.equal('Deny');
    expect(siteConfig.appSettings.map((entry) => entry.name)).to.include('AUDIT_API_KEY');
  });

  it('marks the invariants a live deployment cannot show (creation order, Pulumi options, declarations) and says why', () => {
    const skipped = invariants.filter((invariant) => invariant.notLive !== undefined).map((invariant) => invariant.id);
    expect(skipped).to.include.members(['app-identity-granted-before-site', 'secret-readers-granted-before-reading', 'data-protected', 'host-key-secrets-written-once']);
    for (const invariant of invariants.filter((entry) => entry.notLive !== undefined)) expect(invariant.notLive).to.be.a('string').and.not.equal('');
  });

  it('matches ids whatever casing ARM answers them in', () => {
    const drifted = structuredClone(compliant);
    const web = props(config(drifted, 'patient-api', 'web'));
    for (const rule of rules(web.ipSecurityRestrictions)) if (rule.vnetSubnetResourceId) rule.vnetSubnetResourceId = (rule.vnetSubnetResourceId as string).replace('/resourceGroups/', '/resourcegroups/');
    expect(failing(drifted)).to.deep.equal([]);
  });

  for (const { what, breaks, drift } of drifts) {
    const expected = typeof breaks === 'string' ? [breaks] : breaks;
    it(`${what}: fails ${expected.join(' and ')}, and only ${expected.length === 1 ? 'it' : 'them'}`, () => {
      const drifted = structuredClone(compliant);
      drift(drifted);
      expect(failing(drifted)).to.deep.equal(expected);
    });
  }
});
