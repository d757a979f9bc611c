import * as pulumi from '@pulumi/pulumi';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CONFIG_KEYS, parseStackConfig, repositoryRoot, StackConfigError } from '../../stacks/config';
import { cidrContains, cidrsOverlap, parseCidr } from '../../stacks/cidr';
import { devConfigValues } from './harness';

function readYaml(file: string): Record<string, unknown> {
  return parse(readFileSync(path.join(repositoryRoot, file), 'utf8')) as Record<string, unknown>;
}

/** The `patient-records:` values of a stack file, as YAML values. */
function stackFileValues(file: string): Record<string, unknown> {
  const config = readYaml(file).config as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith('patient-records:'))
      .map(([key, value]) => [key.slice('patient-records:'.length), value]),
  );
}

/** What the Node SDK's Config.get answers for a stack value: strings as they are, anything else as JSON text. */
function asPulumiHandsIt(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A YAML value of a project config type, as Pulumi checks a stack value against Pulumi.yaml. */
function ofType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'boolean') return typeof value === 'boolean';
  if (type === 'array') return Array.isArray(value) && value.every((item) => typeof item === 'string');
  return typeof value === 'string';
}

function parseWith(overrides: Record<string, string | undefined>) {
  const raw: Record<string, string | undefined> = { ...devConfigValues('/tmp/packages'), ...overrides };
  return () => parseStackConfig((key) => raw[key]);
}

describe('stacks/config', () => {
  it('Pulumi.yaml declares every key the program reads, with its type and a description', () => {
    const declared = readYaml('Pulumi.yaml').config as Record<string, { type: string; description?: string; items?: { type: string } }>;
    expect(Object.keys(declared).sort()).to.deep.equal(Object.keys(CONFIG_KEYS).sort());
    for (const [key, { type }] of Object.entries(CONFIG_KEYS)) {
      expect(declared[key].type, key).to.equal(type);
      expect(declared[key].description, key).to.be.a('string').and.not.equal('');
      if (type === 'array') expect(declared[key].items).to.deep.equal({ type: 'string' });
    }
  });

  it('Pulumi.dev.yaml holds numbers, booleans and lists as YAML values of their declared types, not strings', () => {
    const values = stackFileValues('Pulumi.dev.yaml');
    for (const [key, value] of Object.entries(values)) {
      expect(key in CONFIG_KEYS, `${key} is declared`).to.equal(true);
      expect(ofType(value, CONFIG_KEYS[key as keyof typeof CONFIG_KEYS].type), `${key}: ${JSON.stringify(value)}`).to.equal(true);
    }
    expect(values).to.deep.include({ apimCapacity: 1, cosmosMaxThroughput: 1000, operatorIpRanges: [], ephemeral: false });
  });

  it('Pulumi.dev.yaml is a complete, valid dev configuration (Developer APIM, serverless Cosmos DB)', () => {
    const values = stackFileValues('Pulumi.dev.yaml');
    const config = parseStackConfig((key) => asPulumiHandsIt(values[key]));
    expect(config.apim.sku).to.equal('Developer');
    expect(config.cosmos.throughputMode).to.equal('serverless');
    expect(config.packagesDir).to.equal(path.join(repositoryRoot, 'dist', 'packages'));
    expect(config.contractsDir).to.equal(path.join(repositoryRoot, 'contracts'));
    expect(config.operatorIpRanges).to.deep.equal([]);
    expect(config.ephemeral).to.equal(false);
  });

  it('reads ephemeral as a boolean', () => {
    expect(parseWith({ ephemeral: 'true' })().ephemeral).to.equal(true);
    expect(parseWith({ ephemeral: 'false' })().ephemeral).to.equal(false);
  });

  it('Pulumi.yaml runs stacks/index.ts on Node', () => {
    const project = readFileSync(path.join(repositoryRoot, 'Pulumi.yaml'), 'utf8');
    expect(project).to.match(/^name: patient-records$/m);
    expect(project).to.match(/^main: stacks\/index\.ts$/m);
    expect(project).to.match(/^\s+name: nodejs$/m);
  });

  it('fills defaults: Developer tier, one unit, serverless, dist/packages, not ephemeral', () => {
    const config = parseWith({ apimSku: undefined, apimCapacity: undefined, cosmosThroughputMode: undefined, packagesDir: undefined, ephemeral: undefined })();
    expect(config.ephemeral).to.equal(false);
    expect(config.apim).to.include({ sku: 'Developer', capacity: 1 });
    expect(config.cosmos.throughputMode).to.equal('serverless');
    expect(config.packagesDir).to.equal(path.join(repositoryRoot, 'dist', 'packages'));
  });

  const rejections: Array<[string, Record<string, string | undefined>, RegExp]> = [
    ['a missing location', { location: undefined }, /'location' is required/],
    ['an APIM tier other than Developer or Premium', { apimSku: 'Consumption' }, /'apimSku' must be one of Developer, Premium/],
    ['a name prefix a storage account cannot carry', { namePrefix: 'Pr-Dev' }, /'namePrefix'/],
    ['a subnet outside the VNet', { auditApiSubnetPrefix: '10.61.3.0/24' }, /'auditApiSubnetPrefix' .* lies outside/],
    ['overlapping subnets', { patientApiSubnetPrefix: '10.60.1.128/25' }, /overlap/],
    ['a malformed range', { vnetAddressSpace: '10.60.0.1/16' }, /'vnetAddressSpace' must be an IPv4 CIDR range/],
    ['an operator range that opens the vault to everyone', { operatorIpRanges: '["0.0.0.0/0"]' }, /must not open the vault/],
    ['operator ranges that are not a list', { operatorIpRanges: '203.0.113.0/24' }, /'operatorIpRanges' must be a list of strings/],
    ['an unknown Cosmos DB throughput mode', { cosmosThroughputMode: 'burst' }, /'cosmosThroughputMode'/],
    ['no APIM units at all', { apimCapacity: '0' }, /'apimCapacity' must be 1 on the Developer tier \(got '0'\)/],
    ['a second unit on the Developer tier, which cannot scale', { apimCapacity: '2' }, /'apimCapacity' must be 1 on the Developer tier \(got '2'\)/],
    ['ten units on the Developer tier', { apimCapacity: '10' }, /'apimCapacity' must be 1 on the Developer tier/],
    ['more Premium units than a region allows', { apimSku: 'Premium', apimCapacity: '32' }, /'apimCapacity' must be an integer from 1 to 31 on the Premium tier \(got '32'\)/],
    ['a fractional capacity', { apimSku: 'Premium', apimCapacity: '1.5' }, /'apimCapacity' must be an integer from 1 to 31/],
    ['a publisher e-mail that is not an address', { apimPublisherEmail: 'platform team' }, /'apimPublisherEmail'/],
    ['an ephemeral switch that is not a boolean', { ephemeral: 'yes' }, /'ephemeral' must be true or false \(got 'yes'\)/],
  ];
  for (const [what, overrides, message] of rejections) {
    it(`rejects ${what} with an error naming the key`, () => {
      expect(parseWith(overrides)).to.throw(StackConfigError, message);
    });
  }

  it('fails as a pulumi.RunError (one message, no stack trace) that names the key and the pulumi config set fixing it', () => {
    const fixes: Array<[Record<string, string | undefined>, string]> = [
      [{ apimCapacity: '2' }, "config 'apimCapacity' must be 1 on the Developer tier (got '2'); fix it with: pulumi config set --type int apimCapacity 1"],
      [{ ephemeral: 'yes' }, "config 'ephemeral' must be true or false (got 'yes'); fix it with: pulumi config set --type bool ephemeral false"],
      [{ operatorIpRanges: '203.0.113.0/24' }, "config 'operatorIpRanges' must be a list of strings (got '203.0.113.0/24'); fix it with: pulumi config set --path 'operatorIpRanges[0]' 203.0.113.0/24"],
      [{ location: undefined }, "config 'location' is required; fix it with: pulumi config set location westeurope"],
    ];
    for (const [overrides, message] of fixes) {
      const error = (() => {
        try {
          parseWith(overrides)();
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(pulumi.RunError.isInstance(error), message).to.equal(true);
      expect((error as Error).message).to.equal(message);
    }
  });

  it('accepts up to 31 Premium units in a region', () => {
    expect(parseWith({ apimSku: 'Premium', apimCapacity: '31' })().apim).to.include({ sku: 'Premium', capacity: 31 });
  });

  it('does CIDR arithmetic right at the edges', () => {
    expect(parseCidr('10.60.0.0/16')).to.deep.equal({ base: 0x0a3c0000, bits: 16 });
    expect(parseCidr('10.60.0.0/33')).to.equal(undefined);
    expect(parseCidr('256.0.0.0/8')).to.equal(undefined);
    expect(cidrContains('10.60.0.0/16', '10.60.255.0/24')).to.equal(true);
    expect(cidrContains('10.60.0.0/16', '10.61.0.0/24')).to.equal(false);
    expect(cidrsOverlap('10.60.1.0/24', '10.60.2.0/24')).to.equal(false);
    expect(cidrsOverlap('10.60.0.0/23', '10.60.1.0/24')).to.equal(true);
  });
});
