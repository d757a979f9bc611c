/**
 * One normalised model of the stack's resources, which every invariant reads. Adapters fill it:
 * from the Pulumi mocks' inputs (the tests), from CrossGuard's resource properties (the policy
 * pack), and later from ARM's JSON (a `verify` against what Azure holds).
 *
 * Properties are in the shape of the resource's ARM body with `properties` flattened into the top
 * level, which is the shape azure-native gives its inputs (`siteConfig.minTlsVersion`,
 * `identity.type`, `sku.name`): an ARM body maps to it by lifting `properties.*` one level.
 */
export interface ModelResource {
  /** The azure-native type token, e.g. `azure-native:web:WebApp` (ARM's `Microsoft.Web/sites`). */
  type: string;
  /** The Pulumi logical name (ARM: the resource's name). */
  name: string;
  /** `type::name`: unique in a stack, what `waitsFor` lists. */
  key: string;
  /** The ARM resource id. */
  id: string;
  /** What the stack declares, in the shape described above. */
  properties: Record<string, unknown>;
  /** What Azure assigned on creation: principal and client ids, host names, URIs. */
  assigned: Record<string, unknown>;
  /** Dotted paths of properties sent as Pulumi secrets; `undefined` where the source does not say (CrossGuard). */
  secretPaths: string[] | undefined;
  protect: boolean;
  ignoreChanges: string[];
  /** Keys of every resource Pulumi finishes creating before it starts this one (the graph, closed transitively). */
  waitsFor: string[];
}

export interface ModelOutput {
  value: unknown;
  secret: boolean;
}

export interface StackModel {
  resources: ModelResource[];
  /** The stack's outputs; `undefined` where the source has none (CrossGuard sees resources only). */
  outputs: Record<string, ModelOutput> | undefined;
  /** Values that must never appear in plain text outside the vault. */
  secretValues: string[];
  /** Cosmos DB account name → its MongoDB connection string, where known. */
  connectionStrings: Record<string, string>;
  /** The principal running the deployment, where known. */
  deployerObjectId: string | undefined;
}

export function resourceKey(resource: { type: string; name: string }): string {
  return `${resource.type}::${resource.name}`;
}

/** Whether Pulumi creates `earlier` before it starts creating `later`. */
export function createdBefore(earlier: ModelResource, later: ModelResource): boolean {
  return later.waitsFor.includes(earlier.key);
}

/** A value at a dotted path (`siteConfig.minTlsVersion`), or undefined. */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
