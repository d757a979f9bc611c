import * as pulumi from '@pulumi/pulumi';
import * as path from 'node:path';
import { parseCidr, cidrContains, cidrsOverlap } from './cidr';
import { resolvePackagesDir } from './packaging/packages-dir';

export type ApimSku = 'Developer' | 'Premium';
export type CosmosThroughputMode = 'serverless' | 'provisioned';

export interface ApimAdditionalLocation {
  location: string;
  vnetAddressSpace: string;
  subnetPrefix: string;
}

/** Everything the stack reads from `Pulumi.<stack>.yaml`, validated once. */
export interface StackConfig {
  location: string;
  /** Lowercase letters and digits; starts every resource name (storage accounts allow nothing else). */
  namePrefix: string;
  network: {
    addressSpace: string;
    apimSubnet: string;
    patientApiSubnet: string;
    auditApiSubnet: string;
    /** The subnet holding the private endpoints of Cosmos DB and Key Vault (not delegated, not API Management's). */
    privateEndpointSubnet: string;
  };
  apim: {
    sku: ApimSku;
    capacity: number;
    publisherName: string;
    publisherEmail: string;
    /** A second region for the gateway (Premium only): its own VNet, APIM subnet and public IP. */
    additionalLocation: ApimAdditionalLocation | undefined;
    /** Onboard the APIs to Defender for APIs (the subscription's paid plan must be on). */
    defenderForApis: boolean;
  };
  /**
   * Zone redundancy where Azure offers it at a price: the plans (three instances minimum), Cosmos DB
   * (fixed at account creation) and API Management (Premium, one zone per unit). Public IPs are
   * zone-redundant in every stack: that costs nothing.
   */
  zoneRedundant: boolean;
  cosmos: {
    throughputMode: CosmosThroughputMode;
    /** Autoscale ceiling per database (RU/s); only used in provisioned mode. */
    maxThroughput: number;
  };
  /**
   * A throwaway stack (an end-to-end pipeline): patient data and the vault are left unprotected, so
   * `pulumi destroy` removes them. Every other stack protects them.
   */
  ephemeral: boolean;
  /**
   * Public address ranges (CIDR) of the runners that deploy and operate the stack: the package stores'
   * firewalls admit them (the package upload) and so does the Key Vault firewall.
   */
  operatorIpRanges: string[];
  /** Absolute directory holding `patient-api.zip` and `audit-api.zip`. */
  packagesDir: string;
  /** Absolute directory holding the OpenAPI document and the APIM policy. */
  contractsDir: string;
  tags: Record<string, string>;
}

/**
 * Reads one configuration key as Pulumi hands it to the program: a string, with numbers, booleans
 * and lists as their YAML/JSON text (`1`, `false`, `["203.0.113.0/24"]`); `undefined` when unset.
 */
export type ConfigSource = (key: string) => string | undefined;

export const repositoryRoot = path.resolve(__dirname, '..');

/** Project config types, as Pulumi.yaml declares them (Pulumi's project-level `config:` schema). */
export type ConfigType = 'string' | 'integer' | 'boolean' | 'array';

/**
 * Every key the program reads, with its type and a value to show in the fix. Pulumi.yaml declares
 * the same keys with the same types and a description each (test/stacks/config.test.ts checks it).
 */
export const CONFIG_KEYS = {
  location: { type: 'string', example: 'westeurope' },
  environment: { type: 'string', example: 'dev' },
  namePrefix: { type: 'string', example: 'prdev' },
  vnetAddressSpace: { type: 'string', example: '10.60.0.0/16' },
  apimSubnetPrefix: { type: 'string', example: '10.60.1.0/24' },
  patientApiSubnetPrefix: { type: 'string', example: '10.60.2.0/24' },
  auditApiSubnetPrefix: { type: 'string', example: '10.60.3.0/24' },
  privateEndpointSubnetPrefix: { type: 'string', example: '10.60.4.0/24' },
  apimSku: { type: 'string', example: 'Developer' },
  apimCapacity: { type: 'integer', example: '1' },
  apimPublisherName: { type: 'string', example: "'Patient Records Platform Team'" },
  apimPublisherEmail: { type: 'string', example: 'platform-team@example.org' },
  apimAdditionalLocation: { type: 'string', example: 'northeurope' },
  apimAdditionalVnetAddressSpace: { type: 'string', example: '10.61.0.0/16' },
  apimAdditionalSubnetPrefix: { type: 'string', example: '10.61.1.0/24' },
  defenderForApis: { type: 'boolean', example: 'false' },
  zoneRedundant: { type: 'boolean', example: 'false' },
  cosmosThroughputMode: { type: 'string', example: 'serverless' },
  cosmosMaxThroughput: { type: 'integer', example: '1000' },
  operatorIpRanges: { type: 'array', example: '203.0.113.0/24' },
  ephemeral: { type: 'boolean', example: 'false' },
  packagesDir: { type: 'string', example: 'dist/packages' },
  contractsDir: { type: 'string', example: 'contracts' },
} as const satisfies Record<string, { type: ConfigType; example: string }>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** The `pulumi config set` that gives `key` a valid value of its type. */
export function configSetCommand(key: ConfigKey): string {
  const { type, example } = CONFIG_KEYS[key];
  if (type === 'array') return `pulumi config set --path '${key}[0]' ${example}`;
  if (type === 'integer') return `pulumi config set --type int ${key} ${example}`;
  if (type === 'boolean') return `pulumi config set --type bool ${key} ${example}`;
  return `pulumi config set ${key} ${example}`;
}

/**
 * A configuration value the stack cannot run with. A `RunError`, so `pulumi up` prints the one
 * message (naming the key and the `pulumi config set` that fixes it) and no stack trace.
 */
export class StackConfigError extends pulumi.RunError {
  constructor(
    readonly key: ConfigKey,
    problem: string,
  ) {
    super(`config '${key}' ${problem}; fix it with: ${configSetCommand(key)}`);
    this.name = 'StackConfigError';
  }
}

function required(source: ConfigSource, key: ConfigKey): string {
  const value = source(key)?.trim();
  if (!value) throw new StackConfigError(key, 'is required');
  return value;
}

function optional(source: ConfigSource, key: ConfigKey, fallback: string): string {
  const value = source(key)?.trim();
  return value ? value : fallback;
}

function oneOf<T extends string>(key: ConfigKey, value: string, allowed: readonly T[]): T {
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) {
    throw new StackConfigError(key, `must be one of ${allowed.join(', ')} (got '${value}')`);
  }
  return match;
}

function positiveInteger(key: ConfigKey, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new StackConfigError(key, `must be an integer from ${min} to ${max} (got '${value}')`);
  }
  return parsed;
}

/**
 * API Management units per region by tier (service limits, classic tiers, 06/2025): Developer has one
 * unit and cannot scale; Premium scales to 31 units per region (older limits pages said 12, then 10).
 */
const apimUnitsPerRegion: Record<ApimSku, number> = { Developer: 1, Premium: 31 };

function apimCapacity(sku: ApimSku, value: string): number {
  const max = apimUnitsPerRegion[sku];
  const parsed = Number(value);
  if (Number.isInteger(parsed) && parsed >= 1 && parsed <= max) return parsed;
  const allowed = max === 1 ? 'be 1' : `be an integer from 1 to ${max}`;
  throw new StackConfigError('apimCapacity', `must ${allowed} on the ${sku} tier (got '${value}')`);
}

function flag(key: ConfigKey, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new StackConfigError(key, `must be true or false (got '${value}')`);
}

function cidr(key: ConfigKey, value: string): string {
  if (!parseCidr(value)) throw new StackConfigError(key, `must be an IPv4 CIDR range (got '${value}')`);
  return value;
}

/** A YAML list in the stack file; Pulumi hands it over as JSON text. */
function stringList(key: ConfigKey, value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new StackConfigError(key, `must be a list of strings (got '${value}')`);
  }
  if (!Array.isArray(parsed) || !parsed.every((item): item is string => typeof item === 'string')) {
    throw new StackConfigError(key, `must be a list of strings (got '${value}')`);
  }
  return parsed;
}

function validateNetwork(network: StackConfig['network']): void {
  const subnets: Array<[ConfigKey, string]> = [
    ['apimSubnetPrefix', network.apimSubnet],
    ['patientApiSubnetPrefix', network.patientApiSubnet],
    ['auditApiSubnetPrefix', network.auditApiSubnet],
    ['privateEndpointSubnetPrefix', network.privateEndpointSubnet],
  ];
  for (const [key, range] of subnets) {
    if (!cidrContains(network.addressSpace, range)) {
      throw new StackConfigError(key, `(${range}) lies outside vnetAddressSpace (${network.addressSpace})`);
    }
  }
  for (let i = 0; i < subnets.length; i++) {
    for (let j = i + 1; j < subnets.length; j++) {
      if (cidrsOverlap(subnets[i][1], subnets[j][1])) {
        throw new StackConfigError(subnets[j][0], `(${subnets[j][1]}) overlaps '${subnets[i][0]}' (${subnets[i][1]})`);
      }
    }
  }
}

/** The gateway's second region: all three keys or none, Premium only, its VNet apart from the first. */
function additionalLocation(source: ConfigSource, sku: ApimSku, primarySpace: string): ApimAdditionalLocation | undefined {
  const location = source('apimAdditionalLocation')?.trim();
  if (!location) return undefined;
  if (sku !== 'Premium') throw new StackConfigError('apimAdditionalLocation', `needs Premium API Management (got ${sku})`);
  const vnetAddressSpace = cidr('apimAdditionalVnetAddressSpace', required(source, 'apimAdditionalVnetAddressSpace'));
  const subnetPrefix = cidr('apimAdditionalSubnetPrefix', required(source, 'apimAdditionalSubnetPrefix'));
  if (cidrsOverlap(vnetAddressSpace, primarySpace)) {
    throw new StackConfigError('apimAdditionalVnetAddressSpace', `(${vnetAddressSpace}) overlaps vnetAddressSpace (${primarySpace})`);
  }
  if (!cidrContains(vnetAddressSpace, subnetPrefix)) {
    throw new StackConfigError('apimAdditionalSubnetPrefix', `(${subnetPrefix}) lies outside apimAdditionalVnetAddressSpace (${vnetAddressSpace})`);
  }
  return { location, vnetAddressSpace, subnetPrefix };
}

/** Builds and validates the stack configuration; throws a `StackConfigError` naming the key at fault. */
export function parseStackConfig(source: ConfigSource, root: string = repositoryRoot): StackConfig {
  const namePrefix = required(source, 'namePrefix');
  if (!/^[a-z][a-z0-9]{1,9}$/.test(namePrefix)) {
    throw new StackConfigError('namePrefix', `must be 2-10 lowercase letters or digits, starting with a letter (got '${namePrefix}')`);
  }
  const publisherEmail = required(source, 'apimPublisherEmail');
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(publisherEmail)) {
    throw new StackConfigError('apimPublisherEmail', `must be an e-mail address (got '${publisherEmail}')`);
  }
  const network = {
    addressSpace: cidr('vnetAddressSpace', required(source, 'vnetAddressSpace')),
    apimSubnet: cidr('apimSubnetPrefix', required(source, 'apimSubnetPrefix')),
    patientApiSubnet: cidr('patientApiSubnetPrefix', required(source, 'patientApiSubnetPrefix')),
    auditApiSubnet: cidr('auditApiSubnetPrefix', required(source, 'auditApiSubnetPrefix')),
    privateEndpointSubnet: cidr('privateEndpointSubnetPrefix', required(source, 'privateEndpointSubnetPrefix')),
  };
  validateNetwork(network);
  const operatorIpRanges = stringList('operatorIpRanges', source('operatorIpRanges'));
  for (const range of operatorIpRanges) {
    cidr('operatorIpRanges', range);
    if (parseCidr(range)?.bits === 0) {
      throw new StackConfigError('operatorIpRanges', `must not open the vault to every address (${range})`);
    }
  }
  const apimSku = oneOf('apimSku', optional(source, 'apimSku', 'Developer'), ['Developer', 'Premium'] as const);
  const capacity = apimCapacity(apimSku, optional(source, 'apimCapacity', '1'));
  const zoneRedundant = flag('zoneRedundant', optional(source, 'zoneRedundant', 'false'));
  if (zoneRedundant && (apimSku !== 'Premium' || capacity < 2)) {
    throw new StackConfigError('zoneRedundant', `needs Premium API Management with 2 or more units, one per zone (got ${apimSku} with ${capacity})`);
  }
  return {
    location: required(source, 'location'),
    namePrefix,
    network,
    apim: {
      sku: apimSku,
      capacity,
      publisherName: required(source, 'apimPublisherName'),
      publisherEmail,
      additionalLocation: additionalLocation(source, apimSku, network.addressSpace),
      defenderForApis: flag('defenderForApis', optional(source, 'defenderForApis', 'false')),
    },
    zoneRedundant,
    cosmos: {
      throughputMode: oneOf(
        'cosmosThroughputMode',
        optional(source, 'cosmosThroughputMode', 'serverless'),
        ['serverless', 'provisioned'] as const,
      ),
      maxThroughput: positiveInteger('cosmosMaxThroughput', optional(source, 'cosmosMaxThroughput', '1000'), 1000, 1000000),
    },
    ephemeral: flag('ephemeral', optional(source, 'ephemeral', 'false')),
    operatorIpRanges,
    packagesDir: resolvePackagesDir(source('packagesDir'), root),
    contractsDir: path.resolve(root, optional(source, 'contractsDir', 'contracts')),
    tags: { application: 'patient-records', environment: optional(source, 'environment', 'dev') },
  };
}

/** The configuration of the selected stack (`pulumi config`); the one place the program reads it. */
export function readStackConfig(): StackConfig {
  const config = new pulumi.Config();
  return parseStackConfig((key) => config.get(key));
}
