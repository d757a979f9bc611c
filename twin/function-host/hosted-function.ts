import type { RegisteredFunction } from './worker/core-module';

export type AuthLevel = 'anonymous' | 'function' | 'admin';

/** One HTTP function as the host routes it: what the app registered for its HTTP trigger. */
export interface HostedFunction {
  name: string;
  /** The route template after `/api`. */
  route: string;
  methods: string[];
  authLevel: AuthLevel;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT'];
const AUTH_LEVELS: readonly AuthLevel[] = ['anonymous', 'function', 'admin'];

/**
 * The host's view of a registered function's HTTP trigger: its route (the function's name when it
 * gives none), its methods (every method when it names none) and its auth level (`function` when
 * unset, the HTTP trigger's default).
 */
export function hostedFunction(fn: RegisteredFunction): HostedFunction {
  const trigger = Object.values(fn.metadata.bindings).find((binding) => binding.type === 'httpTrigger');
  if (!trigger) throw new Error(`function ${fn.metadata.name} has no HTTP trigger; the local host runs HTTP functions only`);
  const authLevel = (trigger.authLevel ?? 'function').toLowerCase() as AuthLevel;
  if (!AUTH_LEVELS.includes(authLevel)) throw new Error(`function ${fn.metadata.name} has auth level ${trigger.authLevel}, which the local host does not know`);
  return {
    name: fn.metadata.name,
    route: trigger.route ?? fn.metadata.name,
    methods: trigger.methods && trigger.methods.length > 0 ? trigger.methods.map((method) => method.toUpperCase()) : ALL_METHODS,
    authLevel,
  };
}
