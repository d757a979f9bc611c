import { findBestMatch, parseRouteTemplate, type RouteTemplate } from '../routing/route-template';
import type { HostedFunction } from './hosted-function';

export interface CompiledRoute {
  fn: HostedFunction;
  template: RouteTemplate;
}

export type RouteLookup =
  | { kind: 'found'; fn: HostedFunction; params: Record<string, string> }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed' };

/** Compiles an app's route table. */
export function compileRoutes(functions: readonly HostedFunction[]): CompiledRoute[] {
  return functions.map((fn) => ({ fn, template: parseRouteTemplate(fn.route) }));
}

/** Functions' route matching: the path after `/api`, literal segments preferred over parameters. */
export function lookupRoute(routes: readonly CompiledRoute[], method: string, path: string): RouteLookup {
  const matches = findBestMatch(routes, path);
  if (matches.length === 0) return { kind: 'not-found' };
  const hit = matches.find((m) => m.entry.fn.methods.includes(method.toUpperCase()));
  return hit ? { kind: 'found', fn: hit.entry.fn, params: hit.params } : { kind: 'method-not-allowed' };
}
