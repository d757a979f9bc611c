/** One resource the program declared, as the engine would receive it (secrets unwrapped). */
export interface DeclaredResource {
  type: string;
  /** Pulumi logical name. */
  name: string;
  /** Inputs with every secret wrapper removed, assets as `{ path }`, `{ text }` or `{ uri }`. */
  inputs: Record<string, unknown>;
  /** Dotted paths of inputs that were marked secret (e.g. `properties.value`). */
  secretInputPaths: string[];
  /** The ARM-like id the mock gave it. */
  id: string;
  /** The mock's outputs for it (principal ids, host names, URIs). */
  state: Record<string, unknown>;
  ignoreChanges: string[];
  protect: boolean;
  /** Keys (`resourceKey`) of the resources named in its `dependsOn` option, components included. */
  dependsOn: string[];
  /** Key of its parent resource; undefined for resources of the stack itself. */
  parent?: string;
}

/** How a resource is named in a model: type and logical name, unique in a stack. */
export function resourceKey(resource: { type: string; name: string }): string {
  return `${resource.type}::${resource.name}`;
}

export interface DeclaredOutput {
  value: unknown;
  secret: boolean;
}

/** Everything a run of the program under the mocks declared. */
export interface StackModel {
  resources: DeclaredResource[];
  outputs: Record<string, DeclaredOutput>;
  /** Values that must never appear in plain text: marked-secret inputs and secrets the mocks handed out. */
  secretValues: string[];
  /** Cosmos DB account name → the connection string the mocks handed out for it. */
  connectionStrings: Record<string, string>;
  deployerObjectId: string;
  subscriptionId: string;
  /** The packages the program was built with, as `patientctl deploy` uploads them: blob name → zip on this machine. */
  packages?: Record<string, string>;
}
