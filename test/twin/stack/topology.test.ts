import { expect } from 'chai';
import { join } from 'node:path';
import type { DeclaredResource, StackModel } from '../../../twin/stack/program-model';
import { AZURE_TO_LOCAL, DeclarationError, materialize, type LocalTopology } from '../../../twin/stack/topology';
import { createFixture, runStack, type Fixture } from '../../stacks/harness';

/** A copy of the model with one resource's inputs changed, as if the program declared it so. */
function withResource(model: StackModel, name: string, change: (resource: DeclaredResource) => DeclaredResource): StackModel {
  const copy = structuredClone(model);
  copy.resources = copy.resources.map((resource) => (resource.name === name ? change(resource) : resource));
  return copy;
}

function refusal(model: StackModel): string {
  try {
    materialize(model);
  } catch (error) {
    expect(error).to.be.instanceOf(DeclarationError);
    return (error as Error).message;
  }
  throw new Error('materialize accepted the model');
}

describe('the local topology, materialized from what the program declares', function () {
  this.timeout(60_000);
  let fixture: Fixture;
  let model: StackModel;
  let topology: LocalTopology;

  before(async () => {
    fixture = createFixture();
    model = await runStack(fixture.config);
    topology = materialize(model);
  });
  after(() => fixture.cleanup());

  it('maps each declared subnet to the loopback range of the mapping table, and each service to a process', () => {
    expect(topology.sites.map((site) => [site.process, site.listen, site.outbound])).to.deep.equal([
      ['audit-api', '127.0.3.1', '127.0.3.2'],
      ['patient-api', '127.0.2.1', '127.0.2.2'],
    ]);
    expect(topology.gateway.process).to.equal('apim');
    expect(topology.gateway.outbound).to.equal('127.0.1.2');
    expect(topology.accounts.map((account) => account.process)).to.deep.equal(['patients-data', 'audit-data']);
    expect(AZURE_TO_LOCAL.subnets).to.deep.equal({ apim: '127.0.1.0/24', 'patient-api': '127.0.2.0/24', 'audit-api': '127.0.3.0/24' });
  });

  it("takes each site's access rules, settings, identity and package from its declaration", () => {
    const audit = topology.sites.find((site) => site.process === 'audit-api')!;
    expect(audit.main).to.deep.equal({ rules: [{ name: 'allow-patient-api', action: 'Allow', ranges: ['127.0.2.0/24'] }], defaultAction: 'Deny' });
    expect(audit.scm).to.deep.equal({ rules: [], defaultAction: 'Deny' });
    expect(audit.referencePrincipal).to.equal('principal-prdev-audit-api-identity');
    expect(audit.packageFile).to.equal(join(fixture.packagesDir, 'audit-api.zip'));
    expect(Object.keys(audit.settings).sort()).to.deep.equal(['AUDIT_DB_CONNECTION', 'AUDIT_DB_NAME', 'FUNCTIONS_EXTENSION_VERSION', 'FUNCTIONS_WORKER_RUNTIME', 'WEBSITE_RUN_FROM_PACKAGE']);
    // Telemetry and host storage are declared, not emulated: the app never sees their settings.
    expect(Object.keys(audit.withheldSettings)).to.include('APPLICATIONINSIGHTS_CONNECTION_STRING');
    expect(audit.settings.AUDIT_DB_CONNECTION).to.match(/^@Microsoft\.KeyVault\(SecretUri=https:\/\/prdev-kv-x7k2qa\.vault\.azure\.net\/secrets\/audit-db-connection\/\)$/);
  });

  it("builds each Cosmos DB account's firewall, metadata-write rule and collections from its resources", () => {
    const [patients, audit] = topology.accounts;
    expect(patients.allowedSources).to.deep.equal(['127.0.2.0/24']);
    expect(audit.allowedSources).to.deep.equal(['127.0.3.0/24']);
    expect(patients.keyBasedMetadataWriteAccess).to.equal(false);
    expect(patients.continuousBackup).to.equal(true);
    const idempotency = patients.databases[0].collections.find((collection) => collection.name === 'idempotency')!;
    expect(idempotency).to.deep.equal({ name: 'idempotency', shardKey: 'key', indexes: [{ key: { patientId: 1 } }, { key: { _ts: 1 }, expireAfterSeconds: 86_400 }] });
  });

  it("builds the vault's rules and grants from the role assignments: principal ids and secret scopes", () => {
    // Public access is off in dev (no operator ranges): the apps and the gateway come through the private endpoint.
    expect(topology.vault.rules).to.deep.equal({ publicNetworkAccess: 'Disabled', defaultAction: 'Deny', allowedRanges: [] });
    expect(topology.vault.privatePaths.map((path) => [path.resources.map((key) => key.split('::')[1]), [...path.ranges].sort()])).to.deep.equal([
      [
        ['private-link-vault-endpoint', 'private-link-vault-dns', 'private-link-privatelink.vaultcore.azure.net', 'private-link-privatelink.vaultcore.azure.net-link'],
        ['127.0.1.0/24', '127.0.2.0/24', '127.0.3.0/24'],
      ],
    ]);
    expect(topology.vault.grants.map((grant) => `${grant.principalId} ${grant.secret}`).sort()).to.deep.equal([
      'principal-prdev-apim-x7k2qa patient-api-host-key',
      'principal-prdev-audit-api-identity audit-db-connection',
      'principal-prdev-patient-api-identity audit-api-host-key',
      'principal-prdev-patient-api-identity patients-db-connection',
      'principal-prdev-patient-api-identity search-hash-key',
    ]);
    const values = Object.fromEntries(topology.vault.secrets.map((secret) => [secret.name, [secret.value.kind, secret.writeOnce]]));
    expect(values).to.deep.equal({
      'search-hash-key': ['random', false],
      'patient-api-host-key': ['random', true],
      'audit-api-host-key': ['random', true],
      'patients-db-connection': ['connection-string', false],
      'audit-db-connection': ['connection-string', false],
    });
  });

  it('admits through the private endpoints only the callers their subnet NSG names, and nobody once the DNS zone is unlinked from the VNet', () => {
    const [patients, audit] = topology.accounts;
    expect(topology.vault.privatePaths.flatMap((path) => path.ranges).sort()).to.deep.equal(['127.0.1.0/24', '127.0.2.0/24', '127.0.3.0/24']);
    expect(patients.allowedSources).to.deep.equal(['127.0.2.0/24']);
    expect(audit.allowedSources).to.deep.equal(['127.0.3.0/24']);
    const unlinked = structuredClone(model);
    unlinked.resources = unlinked.resources.filter((resource) => resource.type !== 'azure-native:privatedns:VirtualNetworkLink');
    const without = materialize(unlinked);
    expect(without.vault.privatePaths).to.deep.equal([]);
    expect(without.accounts.map((account) => account.allowedSources)).to.deep.equal([[], []]);
  });

  it("starts each reader after the grants and the vault's private endpoint the program creates before it, and warns of none", () => {
    expect(
      topology.plan.readers.map(({ reader, grantsBefore, vaultPathsBefore }) => [
        reader.kind === 'site' ? reader.site.process : 'gateway',
        grantsBefore.map((grant) => grant.secret).sort(),
        vaultPathsBefore.map((path) => path.key.split('::')[1]),
      ]),
    ).to.deep.equal([
      ['audit-api', ['audit-db-connection'], ['private-link-vault-endpoint']],
      ['patient-api', ['audit-api-host-key', 'patients-db-connection', 'search-hash-key'], []],
      ['gateway', ['patient-api-host-key'], []],
    ]);
    expect(topology.plan.vaultPathsAfter).to.deep.equal([]);
    expect(topology.plan.warnings).to.deep.equal([]);
  });

  it('lists what is declared but not emulated, each with why', () => {
    const notEmulated = Object.fromEntries(topology.notEmulated.map((entry) => [entry.what, entry.why]));
    for (const type of ['azure-native:web:AppServicePlan', 'azure-native:applicationinsights:Component', 'azure-native:apimanagement:Logger', 'azure-native:network:PublicIPAddress', 'azure-native:network:NetworkSecurityGroup']) {
      expect(notEmulated[type], type).to.be.a('string').and.not.equal('');
    }
    expect(notEmulated['azure-native:web:WebApp.httpsOnly']).to.match(/no TLS locally/);
  });

  it('refuses a declared type it neither emulates nor lists, naming it', () => {
    const copy = structuredClone(model);
    copy.resources.push({ ...structuredClone(copy.resources.find((resource) => resource.name === 'patient-api-plan')!), type: 'azure-native:cache:Redis', name: 'cache' });
    expect(refusal(copy)).to.match(/^the program declares azure-native:cache:Redis \(cache\), which the local stack neither emulates nor lists as declared, not emulated$/);
  });

  it('refuses a declared property it neither emulates nor lists, naming it', () => {
    const changed = withResource(model, 'patient-api-site', (site) => ({ ...site, inputs: { ...site.inputs, siteConfig: { ...(site.inputs.siteConfig as object), alwaysOn: true } } }));
    expect(refusal(changed)).to.match(/azure-native:web:WebApp \(patient-api-site\) with "siteConfig\.alwaysOn"/);
  });

  it('refuses a subnet the mapping table does not map, and a vault rule for a subnet without the Key Vault service endpoint', () => {
    const renamed = withResource(model, 'network-audit-api-subnet', (subnet) => ({ ...subnet, inputs: { ...subnet.inputs, subnetName: 'reporting' } }));
    expect(refusal(renamed)).to.match(/subnet "reporting" .* has no loopback range in the mapping table/);
    const apimSubnet = model.resources.find((resource) => resource.name === 'network-apim-subnet')!;
    const vault = model.resources.find((resource) => resource.type === 'azure-native:keyvault:Vault')!;
    const properties = vault.inputs.properties as Record<string, unknown>;
    const withRule = withResource(model, vault.name, (declared) => ({
      ...declared,
      inputs: { ...declared.inputs, properties: { ...properties, networkAcls: { ...(properties.networkAcls as object), virtualNetworkRules: [{ id: apimSubnet.id }] } } },
    }));
    const withoutEndpoint = withResource(withRule, 'network-apim-subnet', (subnet) => ({ ...subnet, inputs: { ...subnet.inputs, serviceEndpoints: [] } }));
    expect(refusal(withoutEndpoint)).to.match(/admits subnet network-apim-subnet, which has no Microsoft\.KeyVault service endpoint/);
  });

  it('warns when the graph lets a site start before the grant its reference needs', () => {
    const unordered = structuredClone(model);
    for (const resource of unordered.resources) if (resource.type === 'azure-native:web:WebApp') resource.dependsOn = resource.dependsOn.filter((key) => !key.includes('RoleAssignment'));
    const warnings = materialize(unordered).plan.warnings;
    expect(warnings).to.have.length(4);
    expect(warnings[0]).to.match(/^audit-api: the dependency graph lets the site start before vault-audit-api-reads-audit-db-connection \(its read of audit-db-connection\), so AUDIT_DB_CONNECTION stays an unresolved Key Vault reference/);
  });

  it("warns when the graph lets a site start before the private path of its vault or database account, and connects the vault's endpoint only after every reader", () => {
    const unordered = structuredClone(model);
    for (const resource of unordered.resources) {
      if (resource.type === 'azure-native:web:WebApp' || resource.type === 'azure-native:apimanagement:NamedValue') resource.dependsOn = resource.dependsOn.filter((key) => !key.includes('::private-link-'));
    }
    const { plan } = materialize(unordered);
    expect(plan.readers.flatMap((entry) => entry.vaultPathsBefore)).to.deep.equal([]);
    expect(plan.vaultPathsAfter.map((path) => path.key.split('::')[1])).to.deep.equal(['private-link-vault-endpoint']);
    expect(plan.warnings).to.deep.equal([
      'audit-api: the dependency graph lets the site start before private-link-vault-endpoint (its private path to vault prdev-kv-x7k2qa), so its Key Vault references (AUDIT_DB_CONNECTION) stay unresolved, as App Service leaves them until a refresh',
      'audit-api: the dependency graph lets the site start before private-link-cosmos-audit-endpoint (its private path to Cosmos DB account prdev-cosmos-audit-x7k2qa), so on Azure its start-time database check finds the account unreachable; the local account twin admits it from the start',
      'patient-api: the dependency graph lets the site start before private-link-vault-endpoint (its private path to vault prdev-kv-x7k2qa), so its Key Vault references (AUDIT_API_KEY, PATIENTS_DB_CONNECTION, SEARCH_HASH_KEY) stay unresolved, as App Service leaves them until a refresh',
      'patient-api: the dependency graph lets the site start before private-link-cosmos-patients-endpoint (its private path to Cosmos DB account prdev-cosmos-patients-x7k2qa), so on Azure its start-time database check finds the account unreachable; the local account twin admits it from the start',
    ]);
  });
});
