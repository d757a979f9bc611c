import * as crossGuard from '@pulumi/policy';
import type { PolicyResource, StackValidationArgs } from '@pulumi/policy';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { invariants, unwaivedViolations, type Invariant } from '../../policy/invariants';
import { at } from '../../policy/model';
import { policies } from '../../policy/policies';
import { psRules } from '../../policy/psrule/rules';
import { WAIVERS } from '../../policy/waivers';
import { createFixture, createStackFileFixture, runStack, type DeclaredResource, type Fixture, type StackModel } from './harness';
import { psRuleMutations } from './psrule-mutations';
import { countsLine, rulesTable, waiversTable } from './well-architected-tables';
import { modelFromMocks, policyResourcesFromMocks } from './security-model';

function resource(model: StackModel, type: string, predicate: (entry: DeclaredResource) => boolean): DeclaredResource {
  const found = model.resources.find((entry) => entry.type === `azure-native:${type}` && predicate(entry));
  if (!found) throw new Error(`no ${type} matches`);
  return found;
}

const byName = (name: string) => (entry: DeclaredResource) => entry.name === name;
const byInput = (key: string, value: unknown) => (entry: DeclaredResource) => entry.inputs[key] === value;

function set(target: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.length === 0 ? target : at(target, keys.join('.'));
  (parent as Record<string, unknown>)[last] = value;
}

function site(model: StackModel, app: 'patient-api' | 'audit-api'): DeclaredResource {
  return resource(model, 'web:WebApp', byName(`${app}-site`));
}

function appSettings(model: StackModel, app: 'patient-api' | 'audit-api'): Array<{ name: string; value: string }> {
  return at(site(model, app).inputs, 'siteConfig.appSettings') as Array<{ name: string; value: string }>;
}

function subnetId(model: StackModel, name: string): string {
  return resource(model, 'network:Subnet', byInput('subnetName', name)).id;
}

function roleAssignment(model: StackModel, name: string): DeclaredResource {
  return resource(model, 'authorization:RoleAssignment', byName(name));
}

/** One way to break each invariant, the way a careless change to the program would. */
const mutations: Record<string, (model: StackModel) => void> = {
  'the APIM subnet NSG admits clients on 443, APIM management on 3443 and the load balancer on 6390': (model) => {
    const nsg = resource(model, 'network:NetworkSecurityGroup', byName('network-apim-nsg'));
    nsg.inputs.securityRules = (nsg.inputs.securityRules as Array<{ sourceAddressPrefix: string }>).filter((rule) => rule.sourceAddressPrefix !== 'ApiManagement');
  },
  "the APIM subnet has the Microsoft.Web service endpoint, by which the Patient API's access restrictions admit it": (model) => {
    resource(model, 'network:Subnet', byInput('subnetName', 'apim')).inputs.serviceEndpoints = [{ service: 'Microsoft.KeyVault' }];
  },
  'each app has its own integration subnet, delegated to Microsoft.Web/serverFarms with the Web and Storage endpoints (its callers and its storage firewall admit it by them)': (model) => {
    resource(model, 'network:Subnet', byInput('subnetName', 'audit-api')).inputs.serviceEndpoints = [{ service: 'Microsoft.Web' }];
  },
  'subnets are separate resources, never inline on the VNet': (model) => {
    resource(model, 'network:VirtualNetwork', () => true).inputs.subnets = [{ name: 'apim', addressPrefix: '10.60.1.0/24' }];
  },
  "the Patient API admits only API Management's subnets": (model) => {
    (at(site(model, 'patient-api').inputs, 'siteConfig.ipSecurityRestrictions') as unknown[]).push({ action: 'Allow', priority: 200, ipAddress: '0.0.0.0/0' });
  },
  "the Audit API admits only the Patient API's integration subnet": (model) => {
    set(site(model, 'audit-api').inputs, 'siteConfig.ipSecurityRestrictions', [{ action: 'Allow', priority: 100, vnetSubnetResourceId: subnetId(model, 'apim') }]);
  },
  'the SCM sites deny by default with their own (empty) rules': (model) => {
    set(site(model, 'audit-api').inputs, 'siteConfig.scmIpSecurityRestrictionsUseMain', true);
  },
  'both apps are HTTPS only': (model) => {
    site(model, 'patient-api').inputs.httpsOnly = false;
  },
  'both apps require TLS 1.2 or later, on the site and on SCM': (model) => {
    set(site(model, 'audit-api').inputs, 'siteConfig.scmMinTlsVersion', '1.0');
  },
  'FTP(S) is disabled and basic-auth publishing is off': (model) => {
    set(site(model, 'patient-api').inputs, 'siteConfig.ftpsState', 'FtpsOnly');
  },
  'both apps run Node 22 on Functions v4': (model) => {
    set(site(model, 'patient-api').inputs, 'siteConfig.linuxFxVersion', 'Node|20');
  },
  'both apps route all outbound traffic through the VNet': (model) => {
    set(site(model, 'audit-api').inputs, 'siteConfig.vnetRouteAllEnabled', false);
  },
  'each app runs on its own Elastic Premium EP1 Linux plan': (model) => {
    site(model, 'audit-api').inputs.serverFarmId = site(model, 'patient-api').inputs.serverFarmId;
  },
  'each app has a user-assigned identity of its own and no system identity; API Management reads the vault with its system-assigned identity': (model) => {
    site(model, 'audit-api').inputs.identity = { ...(site(model, 'audit-api').inputs.identity as object), type: 'SystemAssigned, UserAssigned' };
  },
  'each app reads its Key Vault references, its package and its host storage with that identity, granted its storage roles before the site exists': (model) => {
    delete site(model, 'patient-api').inputs.keyVaultReferenceIdentity;
  },
  'every role assignment to a managed identity says ServicePrincipal, so ARM does not look up an identity Entra ID has not replicated yet': (model) => {
    delete roleAssignment(model, 'patient-api-storageBlobDataOwner').inputs.principalType;
  },
  'every identity a site or API Management reads Key Vault with is granted each secret it reads before the resource that reads with it': (model) => {
    const app = site(model, 'patient-api');
    app.dependsOn = app.dependsOn.filter((key) => !key.includes('-reads-'));
  },
  'each site and the Key Vault-backed named value are created after the private endpoint, DNS zone group, private DNS zone and VNet link of the vault and of the Cosmos DB account they read': (model) => {
    const namedValue = resource(model, 'apimanagement:NamedValue', () => true);
    namedValue.dependsOn = namedValue.dependsOn.filter((key) => !key.includes('::private-link-'));
  },
  'host storage and the package are reached with the app identity, never a key or SAS': (model) => {
    appSettings(model, 'patient-api').push({ name: 'AzureWebJobsStorage', value: 'DefaultEndpointsProtocol=https;AccountKey=abc' });
  },
  'Key Vault references in app settings are versionless with a trailing slash': (model) => {
    const setting = appSettings(model, 'patient-api').find((entry) => entry.name === 'AUDIT_API_KEY')!;
    setting.value = setting.value.replace('audit-api-host-key/)', 'audit-api-host-key/0123456789abcdef0123456789abcdef)');
  },
  'app settings are declared only on the site (no separate settings resource to fight it)': (model) => {
    const app = site(model, 'audit-api');
    model.resources.push({ ...app, type: 'azure-native:web:WebAppApplicationSettings', name: 'audit-api-settings', inputs: { name: app.inputs.name, properties: {} } });
  },
  'no app setting holds a secret in plain text': (model) => {
    appSettings(model, 'audit-api').find((entry) => entry.name === 'AUDIT_DB_CONNECTION')!.value = model.secretValues[0];
  },
  'storage accounts refuse anonymous blobs, plain HTTP and TLS below 1.2': (model) => {
    resource(model, 'storage:StorageAccount', byName('audit-api-storage')).inputs.allowBlobPublicAccess = true;
  },
  'the vault uses RBAC authorization, soft delete and purge protection': (model) => {
    set(resource(model, 'keyvault:Vault', () => true).inputs, 'properties.enablePurgeProtection', false);
  },
  'the vault is reached through its private endpoint: its firewall denies by default, admits no subnet, no Azure service and no address but the operator ranges, and its public endpoint is off without them': (model) => {
    set(resource(model, 'keyvault:Vault', () => true).inputs, 'properties.publicNetworkAccess', 'Enabled');
  },
  'each identity has Key Vault Secrets User on exactly its secrets (docs/design.md §7)': (model) => {
    const grant = roleAssignment(model, 'vault-audit-api-reads-audit-db-connection');
    grant.inputs.scope = resource(model, 'keyvault:Secret', byInput('secretName', 'patients-db-connection')).id;
  },
  'no app or gateway identity holds a role on the vault, the resource group or the subscription: only secret reads, its own storage and telemetry ingestion': (model) => {
    roleAssignment(model, 'vault-apim-reads-patient-api-host-key').inputs.scope = resource(model, 'keyvault:Vault', () => true).id;
  },
  'nobody holds a role on the vault itself, and the deployer holds no Key Vault data role: only the readers of docs/design.md §7, each on one secret': (model) => {
    const grant = roleAssignment(model, 'vault-audit-api-reads-audit-db-connection');
    const vault = resource(model, 'keyvault:Vault', () => true);
    const officer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7';
    model.resources.push({
      ...grant,
      name: 'vault-deployer-secrets-officer',
      inputs: { ...grant.inputs, scope: vault.id, principalId: model.deployerObjectId, roleDefinitionId: `/subscriptions/${model.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${officer}` },
    });
  },
  'the vault holds the five secrets of docs/interfaces.md': (model) => {
    resource(model, 'keyvault:Secret', byInput('secretName', 'search-hash-key')).inputs.secretName = 'search-key';
  },
  'every value sent to the vault is a Pulumi secret': (model) => {
    resource(model, 'keyvault:Secret', byInput('secretName', 'audit-db-connection')).secretInputPaths = [];
  },
  'rotated host keys are written once: Pulumi ignores every later change to their value and tags': (model) => {
    resource(model, 'keyvault:Secret', byInput('secretName', 'audit-api-host-key')).ignoreChanges = ['properties.value'];
  },
  'each Cosmos DB account is reachable only through its private endpoint, from the subnet of the app whose data it holds': (model) => {
    const nsg = resource(model, 'network:NetworkSecurityGroup', byName('network-private-endpoints-nsg'));
    const rules = nsg.inputs.securityRules as Array<{ name: string; sourceAddressPrefixes?: string[] }>;
    rules.find((rule) => rule.name === 'allow-cosmos-audit')!.sourceAddressPrefixes!.push('10.60.1.0/24');
  },
  "the audit register has its own Cosmos DB account: no secret the Patient API reads carries its key, and its network rules do not admit the Patient API": (model) => {
    const auditDatabase = resource(model, 'cosmosdb:MongoDBResourceMongoDBDatabase', byInput('databaseName', 'audit'));
    const patients = resource(model, 'keyvault:Secret', byInput('secretName', 'patients-db-connection'));
    set(patients.inputs, 'properties.value', model.connectionStrings[String(auditDatabase.inputs.accountName)]);
  },
  "each Cosmos DB account is declared at a MongoDB server version the apps' driver supports (4.4 or newer)": (model) => {
    resource(model, 'cosmosdb:DatabaseAccount', () => true).inputs.apiProperties = { serverVersion: '4.2' };
  },
  'Cosmos DB requires TLS 1.2 and keeps continuous backup': (model) => {
    resource(model, 'cosmosdb:DatabaseAccount', () => true).inputs.backupPolicy = { type: 'Periodic' };
  },
  'each collection of contracts/collections.ts has exactly its declared shard key and indexes (unique ones from creation, TTL only on _ts), and only the stack changes them': (model) => {
    resource(model, 'cosmosdb:MongoDBResourceMongoDBCollection', byInput('collectionName', 'tests')).ignoreChanges = ['resource.indexes'];
  },
  'patient data and the vault are protected: a destroy or a replacement stops instead of deleting them': (model) => {
    resource(model, 'cosmosdb:MongoDBResourceMongoDBCollection', byInput('collectionName', 'audits')).protect = false;
  },
  'API Management runs in External VNet mode in the APIM subnet behind a Standard public IP': (model) => {
    resource(model, 'apimanagement:ApiManagementService', () => true).inputs.virtualNetworkType = 'None';
  },
  'API Management has the units its tier allows: one on Developer, up to 31 per region on Premium': (model) => {
    set(resource(model, 'apimanagement:ApiManagementService', () => true).inputs, 'sku.capacity', 2);
  },
  'API Management disables TLS 1.0/1.1, SSL 3 and triple DES': (model) => {
    const service = resource(model, 'apimanagement:ApiManagementService', () => true);
    (service.inputs.customProperties as Record<string, string>)['Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11'] = 'True';
  },
  "both products require subscriptions, are published and need an administrator's approval": (model) => {
    resource(model, 'apimanagement:Product', byInput('productId', 'compliance')).inputs.subscriptionRequired = false;
  },
  'the compliance API is only in the compliance product; the patients API is in both': (model) => {
    resource(model, 'apimanagement:ProductApi', byName('gateway-product-consumers-patients')).inputs.apiId = 'patients-compliance';
  },
  'both APIs require subscriptions, use HTTPS and carry the shared policy as rawxml': (model) => {
    resource(model, 'apimanagement:ApiPolicy', byInput('apiId', 'patients-compliance')).inputs.format = 'xml';
  },
  'the host-key named value is Key Vault-backed through a versionless identifier': (model) => {
    const namedValue = resource(model, 'apimanagement:NamedValue', () => true);
    set(namedValue.inputs, 'keyVault.secretIdentifier', `${String(at(namedValue.inputs, 'keyVault.secretIdentifier'))}/0123456789abcdef0123456789abcdef`);
  },
  "the patient-api backend points at the Patient API's https://<host>/api": (model) => {
    const backend = resource(model, 'apimanagement:Backend', () => true);
    backend.inputs.url = String(backend.inputs.url).replace('https://', 'http://');
  },
  'API Management diagnostics log no bodies or headers and use W3C correlation': (model) => {
    set(resource(model, 'apimanagement:Diagnostic', () => true).inputs, 'backend.response.body.bytes', 8192);
  },
  'API Management diagnostics hide the subscription-key query parameter and mask the key header of requests': (model) => {
    set(resource(model, 'apimanagement:Diagnostic', () => true).inputs, 'frontend.request.dataMasking', { headers: [{ value: 'Ocp-Apim-Subscription-Key', mode: 'Mask' }] });
  },
  'the rotation-probe subscription belongs to the consumers product': (model) => {
    resource(model, 'apimanagement:Subscription', () => true).inputs.scope = resource(model, 'apimanagement:Product', byInput('productId', 'compliance')).id;
  },
  'the stack outputs are exactly those of docs/interfaces.md': (model) => {
    delete model.outputs.probeSubscriptionId;
  },
  'no stack output holds a secret in plain text': (model) => {
    model.outputs.patientsDbConnection = { value: model.secretValues[0], secret: false };
  },
};

/** Exported by @pulumi/policy but absent from its type declarations: what CrossGuard wraps each resource's properties in. */
const { unknownCheckingProxy, UnknownValueError } = crossGuard as unknown as {
  unknownCheckingProxy: <T extends object>(value: T) => T;
  UnknownValueError: new (...args: never[]) => Error;
};

/** The string the engine sends for a value not known until the update (Pulumi's unknown sentinel). */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

/** What a stack policy reports when CrossGuard runs it on the stack's resources. */
async function violationsOf(policy: (typeof policies)[number], model: StackModel, run: StackModel, resources = policyResourcesFromMocks(model, run)): Promise<string[]> {
  const reported: string[] = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason) => {
      throw new Error(`not applicable: ${reason ?? ''}`);
    },
  };
  await policy.validateStack(args, (message) => reported.push(message));
  return reported;
}

const isPsRule = (invariant: Invariant) => invariant.pillar !== undefined;
const designInvariants = invariants.filter((invariant) => !isPsRule(invariant));
/** Rules no stack meets (each reasoned in policy/waivers.ts): the stack itself is their broken copy. */
const waivedEverywhere = WAIVERS.filter((waiver) => waiver.stacks === 'every').map((waiver) => waiver.rule as string);
/** The waivers the issue allows, and no others. */
const allowedWaivers = [
  'Azure.RBAC.UseRGDelegation',
  'Azure.Log.Replication',
  'Azure.APIM.DefenderCloud',
  'Azure.APIM.AvailabilityZone',
  'Azure.APIM.MultiRegion',
  'Azure.AppService.AvailabilityZone',
  'Azure.Cosmos.AvailabilityZone',
  'Azure.PublicIP.AvailabilityZone',
  'Azure.Storage.UseReplication',
];

describe('stacks: security invariants and PSRule for Azure rules (the whole program under mocks, dev and prod)', function () {
  this.timeout(30000);
  let fixtures: Fixture[];
  let model: StackModel;
  let prod: StackModel;
  let devModel: ReturnType<typeof modelFromMocks>;
  let prodModel: ReturnType<typeof modelFromMocks>;

  before(async () => {
    fixtures = [createFixture(), createStackFileFixture('Pulumi.prod.yaml')];
    model = await runStack(fixtures[0].config);
    prod = await runStack(fixtures[1].config);
    devModel = modelFromMocks(model);
    prodModel = modelFromMocks(prod);
  });

  after(() => fixtures.forEach((fixture) => fixture.cleanup()));

  /** A copy of a stack with one invariant broken: the design's on dev, PSRule's on prod (which meets them all). */
  const broken = (invariant: Invariant): StackModel => {
    const copy = structuredClone(isPsRule(invariant) ? prod : model);
    const mutate = isPsRule(invariant) ? psRuleMutations[invariant.id] : mutations[invariant.name];
    expect(mutate, `no breaking change for '${invariant.name}'`).to.be.a('function');
    mutate(copy);
    return copy;
  };

  for (const [stack, read] of [['dev', () => devModel], ['prod', () => prodModel]] as const) {
    describe(`the ${stack} stack complies (with the waivers of policy/waivers.ts)`, () => {
      for (const invariant of invariants) {
        it(isPsRule(invariant) ? `${invariant.id}: ${invariant.name}` : invariant.name, () => {
          expect(unwaivedViolations(invariant, read())).to.deep.equal([]);
        });
      }
    });
  }

  describe('the waivers (policy/waivers.ts)', () => {
    it('waive only rules the issue allows, each a PSRule rule of the invariant list, with a reason', () => {
      for (const waiver of WAIVERS) {
        expect(allowedWaivers, waiver.rule).to.include(waiver.rule);
        expect(psRules.map((rule) => rule.id)).to.include(waiver.rule);
        expect(waiver.reason).to.have.length.greaterThan(40);
      }
      expect(new Set(WAIVERS.map((waiver) => waiver.rule)).size).to.equal(WAIVERS.length);
    });

    it('are each needed: the stacks they name break the rule without them, and prod meets every rule waived for dev only', () => {
      for (const waiver of WAIVERS) {
        const rule = psRules.find((entry) => entry.id === waiver.rule)!;
        expect(rule.check(devModel), waiver.rule).to.not.be.empty;
        if (waiver.stacks === 'every') expect(rule.check(prodModel), waiver.rule).to.not.be.empty;
        else expect(rule.check(prodModel), waiver.rule).to.deep.equal([]);
      }
    });
  });

  describe('docs/well-architected.md', () => {
    const doc = () => readFileSync(path.join(__dirname, '..', '..', 'docs', 'well-architected.md'), 'utf8');

    it('prints the waiver register of policy/waivers.ts', () => {
      expect(doc()).to.include(waiversTable());
    });

    it('lists every baseline rule for the stack\'s types with its status in dev and prod, none violated, and the counts', () => {
      expect(doc()).to.include(rulesTable(devModel, prodModel));
      expect(doc()).to.include(countsLine('dev', devModel));
      expect(doc()).to.include(countsLine('prod', prodModel));
      expect(countsLine('dev', devModel)).to.match(/117 rules: .* 0 violated\.$/);
      expect(countsLine('prod', prodModel)).to.match(/117 rules: .* 0 violated\.$/);
    });
  });

  describe('each invariant reports a violation when the stack breaks it', () => {
    it('has a breaking change for every invariant', () => {
      expect(Object.keys(mutations).sort()).to.deep.equal(designInvariants.map((entry) => entry.name).sort());
      expect(Object.keys(psRuleMutations).sort()).to.deep.equal(psRules.map((rule) => rule.id as string).filter((id) => !waivedEverywhere.includes(id)).sort());
    });

    for (const invariant of invariants.filter((entry) => !waivedEverywhere.includes(entry.id))) {
      it(`detects a breach of: ${isPsRule(invariant) ? invariant.id : invariant.name}`, () => {
        expect(invariant.check(modelFromMocks(broken(invariant)))).to.not.be.empty;
      });
    }
  });

  describe('the policy pack (policy/): each invariant as a CrossGuard stack policy', () => {
    it('has one mandatory stack policy per invariant, named by its id (a PSRule rule by its PSRule name); those CrossGuard cannot check say why', () => {
      const checkable = invariants.filter((invariant) => invariant.programOnly === undefined);
      expect(policies.map((policy) => policy.name)).to.deep.equal(checkable.map((invariant) => invariant.id));
      expect(policies.map((policy) => policy.description)).to.deep.equal(checkable.map((invariant) => invariant.name));
      expect(policies.every((policy) => policy.enforcementLevel === 'mandatory')).to.equal(true);
      expect(new Set(invariants.map((invariant) => invariant.id)).size).to.equal(invariants.length);
      for (const invariant of invariants) expect(invariant.id).to.match(isPsRule(invariant) ? /^Azure(\.[A-Za-z0-9]+){2,3}$/ : /^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(invariants.filter((invariant) => invariant.programOnly !== undefined).map((invariant) => invariant.id)).to.deep.equal([
        'vault-values-secret',
        'stack-outputs',
        'no-secret-in-outputs',
      ]);
    });

    it('is a pack of its own: PulumiPolicy.yaml runs it on Node through tsx, its package.json names @pulumi/policy', () => {
      const root = path.join(__dirname, '..', '..', 'policy');
      const manifest = parse(readFileSync(path.join(root, 'PulumiPolicy.yaml'), 'utf8')) as { runtime: { name: string; options: Record<string, unknown> } };
      expect(manifest.runtime).to.deep.equal({ name: 'nodejs', options: { typescript: false, nodeargs: '--import=tsx' } });
      const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };
      expect(pkg.main).to.equal('index.ts');
      expect(pkg.dependencies).to.have.keys(['@pulumi/policy', '@pulumi/pulumi']);
    });

    it("in a preview, a value Azure has not assigned yet stops only the policies that read it (CrossGuard reports those as not runnable)", async () => {
      const resources: PolicyResource[] = policyResourcesFromMocks(model).map((resource) => {
        const props = resource.type === 'azure-native:network:Subnet' && resource.props.subnetName === 'apim' ? { ...resource.props, id: UNKNOWN } : resource.props;
        return { ...resource, props: unknownCheckingProxy(props) };
      });
      const byName = (name: string) => policies.find((policy) => policy.name === name)!;
      const error = await violationsOf(byName('apim-external-vnet'), model, model, resources).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnknownValueError);
      expect(await violationsOf(byName('apps-https-only'), model, model, resources)).to.deep.equal([]);
    });

    it('skips the violations a waiver covers, in the stacks it names only', async () => {
      const multiRegion = policies.find((policy) => policy.name === 'Azure.APIM.MultiRegion')!;
      expect(psRules.find((rule) => rule.id === 'Azure.APIM.MultiRegion')!.check(devModel)).to.not.be.empty;
      expect(await violationsOf(multiRegion, model, model)).to.deep.equal([]);
      const prodBroken = broken(invariants.find((entry) => entry.id === 'Azure.APIM.MultiRegion')!);
      expect(await violationsOf(multiRegion, prodBroken, prod)).to.not.be.empty;
    });

    for (const policy of policies) {
      const invariant = invariants.find((entry) => entry.id === policy.name)!;
      const stack = () => (isPsRule(invariant) ? prod : model);
      if (waivedEverywhere.includes(invariant.id)) {
        it(`${policy.name}: waived in every stack, reports nothing though the stack breaks it`, async () => {
          expect(invariant.check(prodModel)).to.not.be.empty;
          expect(await violationsOf(policy, prod, prod)).to.deep.equal([]);
        });
        continue;
      }
      it(`${policy.name}: passes on the ${isPsRule(invariant) ? 'prod' : 'dev'} stack, fails its broken copy`, async () => {
        expect(await violationsOf(policy, stack(), stack())).to.deep.equal([]);
        expect(await violationsOf(policy, broken(invariant), stack())).to.not.be.empty;
      });
    }
  });
});
