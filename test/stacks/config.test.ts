import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseStackConfig, repositoryRoot, StackConfigError } from '../../stacks/config';
import { cidrContains, cidrsOverlap, parseCidr } from '../../stacks/cidr';
import { devConfigValues } from './harness';

/** The `patient-records:` keys of a stack file (flat `key: value` lines, as Pulumi writes them). */
function readStackFile(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s+patient-records:([A-Za-z]+):\s*(.*)$/.exec(line);
    if (match) values[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
  }
  return values;
}

function parseWith(overrides: Record<string, string | undefined>) {
  const raw: Record<string, string | undefined> = { ...devConfigValues('/tmp/packages'), ...overrides };
  return () => parseStackConfig((key) => raw[key]);
}

describe('stacks/config', () => {
  it('Pulumi.dev.yaml is a complete, valid dev configuration (Developer APIM, serverless Cosmos DB)', () => {
    const config = parseStackConfig((key) => readStackFile(path.join(repositoryRoot, 'Pulumi.dev.yaml'))[key]);
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
    ['operator ranges that are not a JSON list', { operatorIpRanges: '203.0.113.0/24' }, /JSON array/],
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
