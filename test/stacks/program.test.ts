import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createFixture, createStackFileFixture, mockCosmosConnectionString, ProgramFailure, runStack, type DeclaredResource, type StackModel } from './harness';
import { PackageBuildError } from '../../stacks/packaging/package-error';
import { at, securityChecks } from './security-checks';

function ofType(model: StackModel, type: string): DeclaredResource[] {
  return model.resources.filter((resource) => resource.type === `azure-native:${type}`);
}

function violations(model: StackModel): string[] {
  return securityChecks.flatMap(({ name, check }) => check(model).map((violation) => `${name}: ${violation}`));
}

describe('stacks/program (createStack with other configurations)', function () {
  this.timeout(30000);

  it('the prod stack (Pulumi.prod.yaml): Premium APIM over three zones and a second region, zone-redundant plans and Cosmos DB, operator ranges, and every invariant', async () => {
    const fixture = createStackFileFixture('Pulumi.prod.yaml');
    try {
      const model = await runStack(fixture.config);
      expect(violations(model)).to.deep.equal([]);

      const service = ofType(model, 'apimanagement:ApiManagementService')[0];
      expect(service.inputs.sku).to.deep.equal({ name: 'Premium', capacity: 3 });
      expect(service.inputs.zones).to.deep.equal(['1', '2', '3']);
      const [region] = service.inputs.additionalLocations as Array<Record<string, unknown>>;
      expect(region).to.deep.include({ location: 'northeurope', zones: ['1', '2', '3'], disableGateway: false });
      const secondSubnet = ofType(model, 'network:Subnet').find((subnet) => subnet.inputs.subnetName === 'apim-northeurope')!;
      expect(at(region, 'virtualNetworkConfiguration.subnetResourceId')).to.equal(secondSubnet.id);
      // The Patient API admits the second region's gateway too.
      const patientApi = ofType(model, 'web:WebApp').find((site) => site.name === 'patient-api-site')!;
      expect((at(patientApi.inputs, 'siteConfig.ipSecurityRestrictions') as Array<{ vnetSubnetResourceId: string }>).map((rule) => rule.vnetSubnetResourceId)).to.include(secondSubnet.id);

      for (const plan of ofType(model, 'web:AppServicePlan')) expect(plan.inputs).to.deep.include({ zoneRedundant: true, sku: { name: 'EP1', tier: 'ElasticPremium', capacity: 3 } });
      for (const account of ofType(model, 'cosmosdb:DatabaseAccount')) {
        expect((account.inputs.capabilities as Array<{ name: string }>).map((entry) => entry.name)).to.not.include('EnableServerless');
        expect(account.inputs.locations).to.deep.equal([{ locationName: 'westeurope', failoverPriority: 0, isZoneRedundant: true }]);
      }
      for (const database of ofType(model, 'cosmosdb:MongoDBResourceMongoDBDatabase')) {
        expect(at(database.inputs, 'options.autoscaleSettings.maxThroughput')).to.equal(4000);
      }
      expect(ofType(model, 'security:APICollectionByAzureApiManagementService').map((entry) => entry.inputs.apiId).sort()).to.deep.equal(['patients', 'patients-compliance']);

      // The operator ranges open the vault's public endpoint to them alone, and the package stores to the deploying runner.
      const vault = ofType(model, 'keyvault:Vault')[0];
      expect(at(vault.inputs, 'properties.publicNetworkAccess')).to.equal('Enabled');
      expect(at(vault.inputs, 'properties.networkAcls.ipRules')).to.deep.equal([{ value: '203.0.113.0/28' }]);
      for (const account of ofType(model, 'storage:StorageAccount')) {
        expect(at(account.inputs, 'networkRuleSet.ipRules')).to.deep.equal([{ iPAddressOrRange: '203.0.113.0/28', action: 'Allow' }]);
      }
    } finally {
      fixture.cleanup();
    }
  });

  it('the dev configuration is serverless: no throughput on the databases', async () => {
    const fixture = createFixture();
    try {
      const model = await runStack(fixture.config);
      for (const account of ofType(model, 'cosmosdb:DatabaseAccount')) {
        expect((account.inputs.capabilities as Array<{ name: string }>).map((entry) => entry.name)).to.include('EnableServerless');
      }
      for (const database of ofType(model, 'cosmosdb:MongoDBResourceMongoDBDatabase')) {
        expect(at(database.inputs, 'options.autoscaleSettings')).to.equal(undefined);
        expect(at(database.inputs, 'options.throughput')).to.equal(undefined);
      }
      expect(ofType(model, 'cosmosdb:MongoDBResourceMongoDBDatabase').map((db) => db.inputs.databaseName).sort()).to.deep.equal(['audit', 'patients']);

      // Each account's connection string reaches its own secret in Key Vault and nowhere else.
      const accounts = ofType(model, 'cosmosdb:DatabaseAccount').map((account) => String(account.inputs.accountName));
      expect(accounts.sort()).to.deep.equal(['prdev-cosmos-audit-x7k2qa', 'prdev-cosmos-patients-x7k2qa']);
      const storedIn = (accountName: string) =>
        ofType(model, 'keyvault:Secret')
          .filter((secret) => at(secret.inputs, 'properties.value') === mockCosmosConnectionString(accountName))
          .map((secret) => secret.inputs.secretName);
      expect(storedIn('prdev-cosmos-patients-x7k2qa')).to.deep.equal(['patients-db-connection']);
      expect(storedIn('prdev-cosmos-audit-x7k2qa')).to.deep.equal(['audit-db-connection']);
      const leaks = model.resources.filter(
        (resource) => resource.type !== 'azure-native:keyvault:Secret' && accounts.some((account) => JSON.stringify(resource.inputs).includes(mockCosmosConnectionString(account))),
      );
      expect(leaks.map((resource) => resource.name)).to.deep.equal([]);
    } finally {
      fixture.cleanup();
    }
  });

  it('an ephemeral stack protects nothing, so a pipeline can destroy it, and keeps every other invariant', async () => {
    const fixture = createFixture({ ephemeral: 'true' });
    try {
      const model = await runStack(fixture.config);
      const stateful = ['cosmosdb:DatabaseAccount', 'cosmosdb:MongoDBResourceMongoDBDatabase', 'cosmosdb:MongoDBResourceMongoDBCollection', 'keyvault:Vault'];
      const declared = stateful.flatMap((type) => ofType(model, type));
      expect(declared).to.have.length.greaterThan(stateful.length);
      expect(declared.filter((resource) => resource.protect).map((resource) => resource.name)).to.deep.equal([]);
      expect(model.resources.filter((resource) => resource.protect).map((resource) => resource.name)).to.deep.equal([]);
      expect(ofType(model, 'keyvault:Vault').map((vault) => (vault.inputs.properties as { softDeleteRetentionInDays: number }).softDeleteRetentionInDays)).to.deep.equal([7]);
      expect(violations(model).filter((violation) => !violation.startsWith('patient data and the vault are protected'))).to.deep.equal([]);
    } finally {
      fixture.cleanup();
    }
  });

  it('runs each app from its package under a content-addressed name, so a new build changes the package URL', async () => {
    const fixture = createFixture();
    try {
      const blobName = (model: StackModel) => {
        const site = ofType(model, 'web:WebApp').find((entry) => entry.name === 'patient-api-site');
        const url = (at(site?.inputs, 'siteConfig.appSettings') as Array<{ name: string; value: string }>).find((entry) => entry.name === 'WEBSITE_RUN_FROM_PACKAGE')?.value;
        return url?.replace(/^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/packages\//, '');
      };
      const before = blobName(await runStack(fixture.config));
      writeFileSync(path.join(fixture.packagesDir, 'patient-api.zip'), 'patient-api package, next build');
      const after = blobName(await runStack(fixture.config));
      expect(before).to.match(/^patient-api-[0-9a-f]{16}\.zip$/);
      expect(after).to.match(/^patient-api-[0-9a-f]{16}\.zip$/);
      expect(after).to.not.equal(before);
    } finally {
      fixture.cleanup();
    }
  });

  it('stops before declaring any Azure resource when an app cannot be packaged', async () => {
    const fixture = createFixture();
    try {
      const failing = () => Promise.reject(new PackageBuildError('could not bundle patient-api: Could not resolve "./missing" (functions/patient-api/src/index.ts:3)'));
      const error = await runStack(fixture.config, failing).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(ProgramFailure);
      expect((error as ProgramFailure).resources.filter((resource) => resource.type.startsWith('azure-native:'))).to.deep.equal([]);
      expect(String(error)).to.match(/could not bundle patient-api: Could not resolve/);
    } finally {
      fixture.cleanup();
    }
  });
});
