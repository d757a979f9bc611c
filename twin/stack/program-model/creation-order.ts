import { resourceKey, type DeclaredResource, type StackModel } from './declared-model';

/** Whether Pulumi creates `earlier` before it starts creating `later` (what the engine waits for). */
export type CreatedBefore = (earlier: DeclaredResource, later: DeclaredResource) => boolean;

function strings(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) strings(item, into);
  return into;
}

/** Values the provider made up (ids, principal ids, URIs): in the mocks each is a distinct string found nowhere else. */
function outputsOnly(resource: DeclaredResource): string[] {
  const given = new Set(strings(resource.inputs));
  return [resource.id, ...strings(resource.state)].filter((value) => value.length >= 8 && !given.has(value));
}

const isComponent = (resource: DeclaredResource) => !resource.type.startsWith('azure-native:') && !resource.type.startsWith('random:');

/**
 * The engine's ordering, rebuilt from what the program declared: a resource waits for what its
 * `dependsOn` names (a component stands for every resource under it) and for every resource whose
 * outputs feed its inputs. The mocks resolve inputs to plain values, so outputs are followed by value.
 */
export function creationOrder(model: StackModel): CreatedBefore {
  const children = new Map<string, string[]>();
  for (const resource of model.resources) {
    if (resource.parent) children.set(resource.parent, [...(children.get(resource.parent) ?? []), resourceKey(resource)]);
  }
  const under = (key: string): string[] => [key, ...(children.get(key) ?? []).flatMap(under)];

  const produced = model.resources.filter((resource) => !isComponent(resource)).map((resource) => ({ key: resourceKey(resource), values: outputsOnly(resource) }));
  const waitsFor = new Map<string, Set<string>>();
  for (const resource of model.resources) {
    const key = resourceKey(resource);
    const inputs = strings(resource.inputs);
    const fed = produced.filter((source) => source.key !== key && source.values.some((value) => inputs.some((input) => input.includes(value))));
    waitsFor.set(key, new Set([...resource.dependsOn.flatMap(under), ...fed.map((source) => source.key)]));
  }

  return (earlier, later) => {
    const target = resourceKey(earlier);
    const seen = new Set<string>();
    const pending = [resourceKey(later)];
    while (pending.length > 0) {
      const key = pending.pop()!;
      for (const next of waitsFor.get(key) ?? []) {
        if (next === target) return true;
        if (!seen.has(next)) {
          seen.add(next);
          pending.push(next);
        }
      }
    }
    return false;
  };
}
