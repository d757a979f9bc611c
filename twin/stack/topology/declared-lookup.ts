import { resourceKey, type DeclaredResource, type StackModel } from '../program-model';
import { DeclarationError } from './coverage';

/** Reads a dotted path of a resource's inputs or state. */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** What the materializers ask of a model: resources by type and id, and who produced a value. */
export class DeclaredLookup {
  private readonly byKey = new Map<string, DeclaredResource>();

  constructor(readonly model: StackModel) {
    for (const resource of model.resources) this.byKey.set(resourceKey(resource), resource);
  }

  ofType(type: string): DeclaredResource[] {
    return this.model.resources.filter((resource) => resource.type === type);
  }

  /** The resource an ARM id names (ARM ids compare case-insensitively). */
  byId(id: string): DeclaredResource | undefined {
    const wanted = id.toLowerCase();
    return this.model.resources.find((resource) => resource.id.toLowerCase() === wanted);
  }

  /** The resource an id names, of the expected type; a declaration the local stack cannot follow otherwise. */
  expect(id: unknown, type: string, what: string): DeclaredResource {
    const found = typeof id === 'string' ? this.byId(id) : undefined;
    if (!found || found.type !== type) throw new DeclarationError(`${what} names ${String(id)}, which is not a declared ${type}`);
    return found;
  }

  /** The name of the component that declares a resource (its parent), else its own logical name. */
  componentName(resource: DeclaredResource): string {
    const parent = resource.parent ? this.byKey.get(resource.parent) : undefined;
    return parent && !parent.type.startsWith('pulumi:') ? parent.name : resource.name;
  }

  /** The resource whose output (state, not inputs) holds `value` at `path`. */
  producerOf(type: string, path: string, value: unknown): DeclaredResource | undefined {
    return this.ofType(type).find((resource) => at(resource.state, path) === value);
  }
}
