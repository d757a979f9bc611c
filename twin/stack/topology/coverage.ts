import type { DeclaredResource } from '../program-model';
import { EMULATED_TYPES, NOT_EMULATED_TYPES } from './declared-types';

/** A declaration the local stack cannot follow: a type or property on neither list, or a value it cannot map to this machine. */
export class DeclarationError extends Error {
  override readonly name = 'DeclarationError';
}

/** One declared thing nothing local depends on, and why (what `patientctl local status` lists). */
export interface NotEmulated {
  /** `<type>` or `<type>.<property>`. */
  what: string;
  /** The logical names of the resources that declare it. */
  resources: string[];
  why: string;
}

/** Resources of the program itself rather than of Azure: the stack and the components. */
export function isAzureResource(resource: Pick<DeclaredResource, 'type'>): boolean {
  return resource.type.startsWith('azure-native:') || resource.type.startsWith('random:');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Walks a resource's inputs against its type's lists: a property listed (as emulated or not) is
 * covered whole; one with listed sub-properties is walked a level deeper; anything else is unknown.
 */
function walk(inputs: Record<string, unknown>, at: string, listed: Record<string, string>, found: { unknown: string[]; notEmulated: string[] }, notEmulated: Record<string, string>): void {
  for (const [key, value] of Object.entries(inputs)) {
    const path = at ? `${at}.${key}` : key;
    if (path in notEmulated) found.notEmulated.push(path);
    if (path in listed) continue;
    const deeper = Object.keys(listed).some((entry) => entry.startsWith(`${path}.`));
    if (deeper && isRecord(value)) walk(value, path, listed, found, notEmulated);
    else found.unknown.push(path);
  }
}

/**
 * Checks that every declared type and property is on one of the two lists, and answers what is
 * declared but not emulated. Throws `DeclarationError` naming the first unknown one.
 */
export function checkCoverage(resources: readonly DeclaredResource[]): NotEmulated[] {
  const notEmulated = new Map<string, NotEmulated>();
  const note = (what: string, resource: DeclaredResource, why: string) => {
    const entry = notEmulated.get(what) ?? { what, resources: [], why };
    entry.resources.push(resource.name);
    notEmulated.set(what, entry);
  };
  for (const resource of resources.filter(isAzureResource)) {
    const typeReason = NOT_EMULATED_TYPES[resource.type];
    if (typeReason !== undefined) {
      note(resource.type, resource, typeReason);
      continue;
    }
    const type = EMULATED_TYPES[resource.type];
    if (!type) {
      throw new DeclarationError(`the program declares ${resource.type} (${resource.name}), which the local stack neither emulates nor lists as declared, not emulated`);
    }
    const found = { unknown: [] as string[], notEmulated: [] as string[] };
    walk(resource.inputs, '', { ...type.emulated, ...type.notEmulated }, found, type.notEmulated);
    if (found.unknown.length > 0) {
      throw new DeclarationError(
        `the program declares ${resource.type} (${resource.name}) with ${found.unknown.map((path) => `"${path}"`).join(', ')}, which the local stack neither emulates nor lists as declared, not emulated`,
      );
    }
    for (const path of found.notEmulated) note(`${resource.type}.${path}`, resource, type.notEmulated[path]);
  }
  return [...notEmulated.values()];
}
