import { at, type ModelResource, type StackModel } from '../model';
import { each, list, nameRule, ofType, text, type PsRule } from './rule';

/**
 * The types the stack declares that carry tags: those PSRule's `Azure.Resource.SupportsTags` selects
 * (resource groups and two-segment resource types), and the secrets and Cosmos DB databases and
 * collections, whose tags the cost reports of the platform team also read.
 */
export const TAGGED_TYPES = [
  'resources:ResourceGroup',
  'network:VirtualNetwork',
  'network:NetworkSecurityGroup',
  'network:PublicIPAddress',
  'network:PrivateEndpoint',
  'network:ApplicationSecurityGroup',
  'privatedns:PrivateZone',
  'operationalinsights:Workspace',
  'applicationinsights:Component',
  'cosmosdb:DatabaseAccount',
  'cosmosdb:MongoDBResourceMongoDBDatabase',
  'cosmosdb:MongoDBResourceMongoDBCollection',
  'keyvault:Vault',
  'keyvault:Secret',
  'managedidentity:UserAssignedIdentity',
  'storage:StorageAccount',
  'web:AppServicePlan',
  'web:WebApp',
  'apimanagement:ApiManagementService',
];

/** The regions the stack chose: the resource group's, and API Management's additional ones. */
function chosenRegions(model: StackModel): string[] {
  const group = ofType(model, 'resources:ResourceGroup').map((entry) => String(entry.properties.location));
  const additional = ofType(model, 'apimanagement:ApiManagementService').flatMap((service) => list(service.properties.additionalLocations).map((location) => String(location.location)));
  return [...group, ...additional].map((region) => region.toLowerCase().replace(/\s/g, ''));
}

/** A role assignment on a single resource inside the resource group, not on the group itself. */
function onSingleResource(assignment: ModelResource): boolean {
  return /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//i.test(text(assignment.properties.scope));
}

export const generalRules: PsRule[] = [
  {
    id: 'Azure.Resource.UseTags',
    pillar: 'Cost Optimization',
    name: 'every resource that takes tags carries them',
    check: (model) =>
      each(model, TAGGED_TYPES, (resource) => {
        const tags = resource.properties.tags;
        return typeof tags === 'object' && tags !== null && Object.keys(tags).length > 0 ? undefined : 'carries no tags';
      }),
  },
  {
    id: 'Azure.Resource.AllowedRegions',
    pillar: 'Security',
    name: "every resource is in one of the stack's configured regions",
    check: (model) => {
      const allowed = chosenRegions(model);
      return model.resources
        .filter((resource) => typeof resource.properties.location === 'string' && resource.properties.location !== 'global')
        .filter((resource) => !allowed.includes(String(resource.properties.location).toLowerCase().replace(/\s/g, '')))
        .map((resource) => `${resource.name}: ${String(resource.properties.location)} is not a configured region`);
    },
  },
  nameRule('Azure.Group.Name', 'resources:ResourceGroup', 'resourceGroupName', [1, 90], /^[-\w._()]*[-\w_()]$/, 'Resource group'),
  {
    id: 'Azure.RBAC.UseRGDelegation',
    pillar: 'Security',
    name: 'roles are granted on the resource group, not on resources inside it',
    check: (model) =>
      ofType(model, 'authorization:RoleAssignment')
        .filter(onSingleResource)
        .map((assignment) => `${assignment.name}: granted on ${text(at(assignment.properties, 'scope'))}`),
  },
];
