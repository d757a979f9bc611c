import type { PolicyResource, PolicyResourceOptions } from '@pulumi/policy';
import { resourceKey as modelKey, type ModelResource, type StackModel } from '../../policy/model';
import { creationOrder } from './harness';
import { resourceKey, type DeclaredResource, type StackModel as DeclaredStack } from './harness';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `over` laid on `base`: objects merge key by key, anything else from `over`. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return structuredClone(over === undefined ? base : over);
  const merged: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(over)) merged[key] = deepMerge(base[key], value);
  return merged;
}

/** What the mocks' outputs add to the inputs they echo: Azure's assignments (principal ids, host names, URIs). */
function assignedOnly(state: Record<string, unknown>, inputs: Record<string, unknown>): Record<string, unknown> {
  const added: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    if (!(key in inputs)) added[key] = value;
    else if (isObject(value) && isObject(inputs[key])) added[key] = assignedOnly(value, inputs[key]);
  }
  return added;
}

const isComponent = (resource: DeclaredResource) => !resource.type.startsWith('azure-native:') && !resource.type.startsWith('random:');

/** Every resource Pulumi creates before `later`, as the harness rebuilds the engine's graph from the mocks. */
function predecessors(stack: DeclaredStack): (later: DeclaredResource) => DeclaredResource[] {
  const createdBefore = creationOrder(stack);
  return (later) => stack.resources.filter((earlier) => earlier !== later && !isComponent(earlier) && createdBefore(earlier, later));
}

/** The policy model from the mocks: their inputs are the properties, their outputs what Azure assigned. */
export function modelFromMocks(stack: DeclaredStack): StackModel {
  const before = predecessors(stack);
  const resources: ModelResource[] = stack.resources
    .filter((resource) => !isComponent(resource))
    .map((resource) => ({
      type: resource.type,
      name: resource.name,
      key: modelKey(resource),
      id: resource.id,
      properties: resource.inputs,
      assigned: resource.state,
      secretPaths: resource.secretInputPaths,
      protect: resource.protect,
      ignoreChanges: resource.ignoreChanges,
      waitsFor: before(resource).map(modelKey),
    }));
  return {
    resources,
    outputs: stack.outputs,
    secretValues: stack.secretValues,
    connectionStrings: stack.connectionStrings,
    deployerObjectId: stack.deployerObjectId,
  };
}

/**
 * The stack as the Pulumi engine hands it to a CrossGuard stack policy after an update: each
 * resource's outputs (its inputs as declared, what Azure assigned, the ARM id; secrets unwrapped),
 * its options, parent and dependencies. What Azure assigned comes from `run`, the program's run
 * under the mocks; `stack` may be a copy of it with a declaration broken.
 */
export function policyResourcesFromMocks(stack: DeclaredStack, run: DeclaredStack = stack): PolicyResource[] {
  const assigned = new Map(run.resources.map((resource) => [resourceKey(resource), assignedOnly(resource.state, resource.inputs)]));
  const before = predecessors(stack);
  const urn = (key: string) => {
    const [type, name] = key.split('::');
    return `urn:pulumi:dev::patient-records::${type}::${name}`;
  };
  const byKey = new Map<string, PolicyResource>();
  for (const resource of stack.resources) {
    const opts: PolicyResourceOptions = {
      protect: resource.protect,
      ignoreChanges: resource.ignoreChanges,
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      ...(resource.parent === undefined ? {} : { parent: urn(resource.parent) }),
    };
    byKey.set(resourceKey(resource), {
      type: resource.type,
      name: resource.name,
      urn: urn(resourceKey(resource)),
      // Outputs echo the inputs as the update left them, with what Azure assigned among them (identity.principalId).
      props: isComponent(resource) ? {} : { ...(deepMerge(assigned.get(resourceKey(resource)) ?? {}, resource.inputs) as Record<string, unknown>), id: resource.id },
      opts,
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    });
  }
  for (const resource of stack.resources) {
    const policyResource = byKey.get(resourceKey(resource))!;
    if (resource.parent) policyResource.parent = byKey.get(resource.parent);
    policyResource.dependencies = isComponent(resource) ? [] : before(resource).map((earlier) => byKey.get(resourceKey(earlier))!);
  }
  return [...byKey.values()];
}
