import { findBestMatch, parseRouteTemplate, type RouteTemplate } from '../routing/route-template';
import type { HostedRoute } from './hosted-route';

export interface CompiledRoute {
  route: HostedRoute;
  template: RouteTemplate;
}

export type RouteLookup =
  | { kind: 'found'; route: HostedRoute; params: Record<string, string> }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed' };

/** Compiles an app's route table. */
export function compileRoutes(routes: readonly HostedRoute[]): CompiledRoute[] {
  return routes.map((route) => ({ route, template: parseRouteTemplate(route.route) }));
}

/** Functions' route matching: the path after `/api`, literal segments preferred over parameters. */
export function lookupRoute(routes: readonly CompiledRoute[], method: string, path: string): RouteLookup {
  const matches = findBestMatch(routes, path);
  if (matches.length === 0) return { kind: 'not-found' };
  const hit = matches.find((m) => m.entry.route.methods.includes(method.toUpperCase() as HostedRoute['methods'][number]));
  return hit ? { kind: 'found', route: hit.entry.route, params: hit.params } : { kind: 'method-not-allowed' };
}
