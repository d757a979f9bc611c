import * as pulumi from '@pulumi/pulumi';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { APP_NAMES } from '../../contracts/apps';
import { parseStackConfig, type StackConfig } from '../../stacks/config';
import { deployPackage, type PackageSource } from '../../stacks/packaging/deploy-package';
import { createStack } from '../../stacks/program';

/** One resource the program declared, as the engine would receive it (secrets unwrapped). */
export interface DeclaredResource {
  type: string;
  /** Pulumi logical name. */
  name: string;
  /** Inputs with every secret wrapper removed. */
  inputs: Record<string, unknown>;
  /** Dotted paths of inputs that were marked secret (e.g. `properties.value`). */
  secretInputPaths: string[];
  /** The ARM-like id the mock gave it. */
  id: string;
  /** The mock's outputs for it (principal ids, host names, URIs). */
  state: Record<string, unknown>;
  ignoreChanges: string[];
  protect: boolean;
  /** Keys (`resourceKey`) of the resources named in its `dependsOn` option, components included. */
  dependsOn: string[];
  /** Key of its parent resource; undefined for resources of the stack itself. */
  parent?: string;
}

/** The options a resource was declared with: the mocks see only inputs, so a stack transformation records these. */
interface DeclaredOptions {
  ignoreChanges: string[];
  protect: boolean;
  dependsOn: string[];
  parent?: string;
}

/** How the harness names a resource: type and logical name, unique in a stack. */
export function resourceKey(resource: { type: string; name: string }): string {
  return `${resource.type}::${resource.name}`;
}

export interface DeclaredOutput {
  value: unknown;
  secret: boolean;
}

export interface StackModel {
  resources: DeclaredResource[];
  outputs: Record<string, DeclaredOutput>;
  /** Values that must never appear in plain text: marked-secret inputs and secrets the mocks handed out. */
  secretValues: string[];
  /** Cosmos DB account name → the connection string the mocks handed out for it. */
  connectionStrings: Record<string, string>;
  deployerObjectId: string;
  subscriptionId: string;
}

export const mockSubscriptionId = '00000000-0000-4000-8000-00000000a11d';
export const mockTenantId = '00000000-0000-4000-8000-0000000071e7';
export const mockDeployerObjectId = '00000000-0000-4000-8000-0000000de910';
/** The primary MongoDB connection string the mocks hand out for a Cosmos DB account: each account has its own key. */
export function mockCosmosConnectionString(accountName: string): string {
  const key = Buffer.from(`account-key-of-${accountName}-not-to-be-seen`).toString('base64');
  return `mongodb://${accountName}:${key}@${accountName}.mongo.cosmos.azure.com:10255/?ssl=true`;
}

/** ARM resource name carried by each type's inputs (what the provider returns as `name`). */
const nameInputs: Record<string, string> = {
  'azure-native:resources:ResourceGroup': 'resourceGroupName',
  'azure-native:network:VirtualNetwork': 'virtualNetworkName',
  'azure-native:network:Subnet': 'subnetName',
  'azure-native:network:NetworkSecurityGroup': 'networkSecurityGroupName',
  'azure-native:network:PublicIPAddress': 'publicIpAddressName',
  'azure-native:operationalinsights:Workspace': 'workspaceName',
  'azure-native:applicationinsights:Component': 'resourceName',
  'azure-native:cosmosdb:DatabaseAccount': 'accountName',
  'azure-native:cosmosdb:MongoDBResourceMongoDBDatabase': 'databaseName',
  'azure-native:cosmosdb:MongoDBResourceMongoDBCollection': 'collectionName',
  'azure-native:keyvault:Vault': 'vaultName',
  'azure-native:managedidentity:UserAssignedIdentity': 'resourceName',
  'azure-native:keyvault:Secret': 'secretName',
  'azure-native:storage:StorageAccount': 'accountName',
  'azure-native:storage:BlobContainer': 'containerName',
  'azure-native:storage:Blob': 'blobName',
  'azure-native:web:AppServicePlan': 'name',
  'azure-native:web:WebApp': 'name',
  'azure-native:apimanagement:ApiManagementService': 'serviceName',
  'azure-native:apimanagement:NamedValue': 'namedValueId',
  'azure-native:apimanagement:Backend': 'backendId',
  'azure-native:apimanagement:Api': 'apiId',
  'azure-native:apimanagement:ApiPolicy': 'policyId',
  'azure-native:apimanagement:Product': 'productId',
  'azure-native:apimanagement:ProductApi': 'apiId',
  'azure-native:apimanagement:Subscription': 'sid',
  'azure-native:apimanagement:Logger': 'loggerId',
  'azure-native:apimanagement:Diagnostic': 'diagnosticId',
};

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** ARM-shaped ids, so scope and subnet checks compare what Azure would compare. */
function armId(type: string, inputs: Record<string, unknown>, name: string): string {
  const group = `/subscriptions/${mockSubscriptionId}/resourceGroups/${str(inputs.resourceGroupName)}`;
  const provider = (namespace: string, path: string) => `${group}/providers/${namespace}/${path}`;
  const apim = (rest: string) => provider('Microsoft.ApiManagement', `service/${str(inputs.serviceName)}/${rest}`);
  switch (type) {
    case 'azure-native:resources:ResourceGroup':
      return group;
    case 'azure-native:network:VirtualNetwork':
      return provider('Microsoft.Network', `virtualNetworks/${name}`);
    case 'azure-native:network:Subnet':
      return provider('Microsoft.Network', `virtualNetworks/${str(inputs.virtualNetworkName)}/subnets/${name}`);
    case 'azure-native:network:NetworkSecurityGroup':
      return provider('Microsoft.Network', `networkSecurityGroups/${name}`);
    case 'azure-native:network:PublicIPAddress':
      return provider('Microsoft.Network', `publicIPAddresses/${name}`);
    case 'azure-native:keyvault:Vault':
      return provider('Microsoft.KeyVault', `vaults/${name}`);
    case 'azure-native:keyvault:Secret':
      return provider('Microsoft.KeyVault', `vaults/${str(inputs.vaultName)}/secrets/${name}`);
    case 'azure-native:storage:StorageAccount':
      return provider('Microsoft.Storage', `storageAccounts/${name}`);
    case 'azure-native:managedidentity:UserAssignedIdentity':
      return provider('Microsoft.ManagedIdentity', `userAssignedIdentities/${name}`);
    case 'azure-native:web:WebApp':
      return provider('Microsoft.Web', `sites/${name}`);
    case 'azure-native:web:AppServicePlan':
      return provider('Microsoft.Web', `serverfarms/${name}`);
    case 'azure-native:apimanagement:ApiManagementService':
      return provider('Microsoft.ApiManagement', `service/${name}`);
    case 'azure-native:apimanagement:NamedValue':
      return apim(`namedValues/${name}`);
    case 'azure-native:apimanagement:Api':
      return apim(`apis/${name}`);
    case 'azure-native:apimanagement:Product':
      return apim(`products/${name}`);
    case 'azure-native:apimanagement:Subscription':
      return apim(`subscriptions/${name}`);
    case 'azure-native:apimanagement:Logger':
      return apim(`loggers/${name}`);
    case 'azure-native:authorization:RoleAssignment':
      return `${str(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    default:
      return `${group}/providers/mock/${type.replace(/[:/]/g, '.')}/${name}`;
  }
}

/** The identity ARM returns: a system-assigned principal only when one was asked for. */
function identityState(inputs: Record<string, unknown>, armName: string): unknown {
  const identity = inputs.identity as Record<string, unknown> | undefined;
  if (!identity || !str(identity.type).includes('SystemAssigned')) return identity;
  return { ...identity, principalId: `principal-${armName}` };
}

function mockState(type: string, inputs: Record<string, unknown>, armName: string, logicalName: string): Record<string, unknown> {
  const state: Record<string, unknown> = { ...inputs, name: armName };
  switch (type) {
    case 'azure-native:managedidentity:UserAssignedIdentity':
      return { ...state, principalId: `principal-${armName}`, clientId: `client-${armName}` };
    case 'random:index/randomString:RandomString':
      return { ...state, result: 'x7k2qa' };
    case 'random:index/randomPassword:RandomPassword':
      return { ...state, result: `initial-${logicalName}-Zq8wPl3mVn` };
    case 'azure-native:web:WebApp':
      return { ...state, identity: identityState(inputs, armName), defaultHostName: `${armName}.azurewebsites.net` };
    case 'azure-native:apimanagement:ApiManagementService':
      return { ...state, identity: identityState(inputs, armName), gatewayUrl: `https://${armName}.azure-api.net` };
    case 'azure-native:keyvault:Vault':
      return { ...state, properties: { ...(inputs.properties as object), vaultUri: `https://${armName}.vault.azure.net/` } };
    case 'azure-native:keyvault:Secret': {
      // ARM never returns a secret's value.
      const uri = `https://${str(inputs.vaultName)}.vault.azure.net/secrets/${armName}`;
      return { ...state, properties: { secretUri: uri, secretUriWithVersion: `${uri}/0123456789abcdef0123456789abcdef` } };
    }
    case 'azure-native:applicationinsights:Component':
      return { ...state, connectionString: 'InstrumentationKey=00000000-0000-4000-8000-000000000a1a;IngestionEndpoint=https://ingest.invalid/' };
    default:
      return state;
  }
}

function unwrapSecrets(value: unknown, at: string, secretPaths: string[], secretValues: Set<string>, inSecret: boolean): unknown {
  if (Array.isArray(value)) return value.map((item, i) => unwrapSecrets(item, `${at}[${i}]`, secretPaths, secretValues, inSecret));
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
      secretPaths.push(at);
      return unwrapSecrets(record.value, at, secretPaths, secretValues, true);
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(record)) {
      out[key] = unwrapSecrets(child, at ? `${at}.${key}` : key, secretPaths, secretValues, inSecret);
    }
    return out;
  }
  if (inSecret && typeof value === 'string' && value.length >= 8) secretValues.add(value);
  return value;
}

/** Assets arrive as objects holding promises (`FileAsset.path`); each becomes the plain `{ path }`, `{ text }` or `{ uri }` it stands for. */
async function withAssetsResolved(value: unknown): Promise<unknown> {
  if (pulumi.asset.Asset.isInstance(value)) {
    const asset = value as unknown as { path?: Promise<string>; text?: Promise<string>; uri?: Promise<string> };
    if (asset.path) return { path: await asset.path };
    if (asset.text) return { text: await asset.text };
    if (asset.uri) return { uri: await asset.uri };
  }
  if (Array.isArray(value)) return Promise.all(value.map(withAssetsResolved));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = await withAssetsResolved(child);
    return out;
  }
  return value;
}

async function settle(count: () => number): Promise<void> {
  let last = -1;
  let stableRounds = 0;
  while (stableRounds < 3) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    const now = count();
    stableRounds = now === last ? stableRounds + 1 : 0;
    last = now;
  }
}

async function resolveOutput(output: pulumi.Output<unknown>): Promise<DeclaredOutput> {
  const secret = await pulumi.isSecret(output);
  const value = await new Promise<unknown>((resolve) => output.apply((v) => resolve(v)));
  return { value, secret };
}

/** The program threw; `resources` is what it had declared by then. */
export class ProgramFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly resources: DeclaredResource[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'ProgramFailure';
  }
}

/** The program passes `dependsOn` as plain lists; an Output or promise of resources would need resolving first. */
function dependencyList(dependsOn: pulumi.ResourceOptions['dependsOn']): pulumi.Resource[] {
  if (dependsOn === undefined) return [];
  const list: unknown[] = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
  return list.map((entry) => {
    if (!pulumi.Resource.isInstance(entry)) throw new Error('the harness follows only dependsOn lists of declared resources');
    return entry;
  });
}

type Program = () => Promise<Record<string, pulumi.Output<unknown>>>;

/** The packages a fixture holds: `<packagesDir>/<app>.zip`, made by the test, never bundled. */
export function fixturePackages(packagesDir: string): PackageSource {
  return (app) => Promise.resolve(deployPackage(app, path.join(packagesDir, `${app}.zip`)));
}

/** Runs the whole program under `pulumi.runtime.setMocks` (no CLI, no cloud) with the fixture's packages, and records what it declared. */
export function runStack(config: StackConfig, packages: PackageSource = fixturePackages(config.packagesDir)): Promise<StackModel> {
  return runProgram(async () => ({ ...(await createStack(config, { packages })) }));
}

/** Runs any program (e.g. the Pulumi entry point) under the same mocks. */
export async function runProgram(program: Program): Promise<StackModel> {
  const resources: DeclaredResource[] = [];
  const secretValues = new Set<string>();
  const connectionStrings: Record<string, string> = {};
  const options = new Map<string, DeclaredOptions>();
  const keys = new Map<pulumi.Resource, string>();
  const keyOf = (resource: pulumi.Resource): string => {
    const key = keys.get(resource);
    if (!key) throw new Error('dependsOn names a resource declared outside the program');
    return key;
  };

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const secretInputPaths: string[] = [];
        const inputs = unwrapSecrets(await withAssetsResolved(args.inputs), '', secretInputPaths, secretValues, false) as Record<string, unknown>;
        const key = nameInputs[args.type];
        const armName = key && typeof inputs[key] === 'string' ? inputs[key] : args.name;
        const id = armId(args.type, inputs, armName);
        const state = mockState(args.type, inputs, armName, args.name);
        if (args.type === 'random:index/randomPassword:RandomPassword') secretValues.add(state.result as string);
        resources.push({ type: args.type, name: args.name, inputs, secretInputPaths, id, state, ignoreChanges: [], protect: false, dependsOn: [] });
        return { id, state };
      },
      call(args) {
        switch (args.token) {
          case 'azure-native:authorization:getClientConfig':
            return { subscriptionId: mockSubscriptionId, tenantId: mockTenantId, objectId: mockDeployerObjectId, clientId: 'deployer-client' };
          case 'azure-native:cosmosdb:listDatabaseAccountConnectionStrings': {
            const accountName = String((args.inputs as Record<string, unknown>).accountName);
            const connectionString = mockCosmosConnectionString(accountName);
            connectionStrings[accountName] = connectionString;
            secretValues.add(connectionString);
            return {
              connectionStrings: [{ connectionString, description: 'Primary MongoDB Connection String', keyKind: 'Primary', type: 'MongoDB' }],
            };
          }
          default:
            throw new Error(`unexpected invoke ${args.token}`);
        }
      },
    },
    'patient-records',
    'dev',
    false,
  );

  let outputs: Record<string, pulumi.Output<unknown>> | undefined;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const key = resourceKey(args);
        keys.set(args.resource, key);
        options.set(key, {
          ignoreChanges: args.opts.ignoreChanges ?? [],
          protect: args.opts.protect === true,
          dependsOn: dependencyList(args.opts.dependsOn).map(keyOf),
          parent: args.opts.parent ? keys.get(args.opts.parent) : undefined,
        });
        return undefined;
      });
      outputs = await program();
      return {};
    });
  } catch (error) {
    throw new ProgramFailure(error, resources);
  }
  if (!outputs) throw new Error('the program returned no outputs');
  const resolved: Record<string, DeclaredOutput> = {};
  for (const [key, output] of Object.entries(outputs)) {
    resolved[key] = await resolveOutput(output);
  }
  await settle(() => resources.length);
  for (const resource of resources) Object.assign(resource, options.get(resourceKey(resource)));
  return {
    resources,
    outputs: resolved,
    secretValues: [...secretValues],
    connectionStrings,
    deployerObjectId: mockDeployerObjectId,
    subscriptionId: mockSubscriptionId,
  };
}

/** The dev configuration of Pulumi.dev.yaml, with deploy packages in a temporary directory. */
export interface Fixture {
  config: StackConfig;
  raw: Record<string, string>;
  packagesDir: string;
  cleanup(): void;
}

export function devConfigValues(packagesDir: string): Record<string, string> {
  return {
    location: 'westeurope',
    namePrefix: 'prdev',
    vnetAddressSpace: '10.60.0.0/16',
    apimSubnetPrefix: '10.60.1.0/24',
    patientApiSubnetPrefix: '10.60.2.0/24',
    auditApiSubnetPrefix: '10.60.3.0/24',
    apimSku: 'Developer',
    apimCapacity: '1',
    apimPublisherName: 'Patient Records Platform Team',
    apimPublisherEmail: 'platform-team@example.org',
    cosmosThroughputMode: 'serverless',
    cosmosMaxThroughput: '1000',
    operatorIpRanges: '[]',
    packagesDir,
  };
}

export function createFixture(overrides: Record<string, string | undefined> = {}): Fixture {
  const root = mkdtempSync(path.join(tmpdir(), 'patient-records-stack-'));
  const packagesDir = path.join(root, 'packages');
  mkdirSync(packagesDir);
  for (const app of APP_NAMES) writeFileSync(path.join(packagesDir, `${app}.zip`), `${app} package`);
  const raw: Record<string, string> = { ...devConfigValues(packagesDir) };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete raw[key];
    else raw[key] = value;
  }
  return {
    config: parseStackConfig((key) => raw[key]),
    raw,
    packagesDir,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
