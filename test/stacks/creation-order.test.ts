import { expect } from 'chai';
import { creationOrder } from './harness';
import type { DeclaredResource, StackModel } from './harness';

function declared(name: string, fields: Partial<DeclaredResource> = {}): DeclaredResource {
  return {
    type: 'azure-native:test:Thing',
    name,
    inputs: {},
    secretInputPaths: [],
    id: `/subscriptions/s/resourceGroups/g/providers/Test/things/${name}`,
    state: {},
    ignoreChanges: [],
    protect: false,
    dependsOn: [],
    ...fields,
  };
}

function model(resources: DeclaredResource[]): StackModel {
  return { resources, outputs: {}, secretValues: [], connectionStrings: {}, deployerObjectId: 'deployer', subscriptionId: 's' };
}

describe('test/stacks/creation-order (what the engine creates first)', () => {
  const identity = declared('identity', { state: { principalId: 'principal-of-identity' } });
  const grant = declared('grant', { inputs: { principalId: 'principal-of-identity' } });
  const component = declared('grants', { type: 'patient-records:test:Grants' });
  const grouped = declared('grouped-grant', { parent: 'patient-records:test:Grants::grants' });

  it('follows an output into an input: a grant on a principal waits for the identity that has it', () => {
    const before = creationOrder(model([identity, grant]));
    expect(before(identity, grant)).to.equal(true);
    expect(before(grant, identity)).to.equal(false);
  });

  it('follows dependsOn, transitively', () => {
    const site = declared('site', { dependsOn: ['azure-native:test:Thing::grant'] });
    const before = creationOrder(model([identity, grant, site]));
    expect(before(grant, site)).to.equal(true);
    expect(before(identity, site)).to.equal(true);
  });

  it('reads dependsOn on a component as waiting for everything under it', () => {
    const site = declared('site', { dependsOn: ['patient-records:test:Grants::grants'] });
    expect(creationOrder(model([component, grouped, site]))(grouped, site)).to.equal(true);
  });

  it('orders nothing that neither dependsOn nor an input connects', () => {
    const site = declared('site', { inputs: { name: 'site' } });
    expect(creationOrder(model([identity, grant, site]))(grant, site)).to.equal(false);
  });
});
