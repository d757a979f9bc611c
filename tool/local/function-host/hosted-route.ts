import type { HttpHandler, HttpMethod } from '@azure/functions';

/**
 * One HTTP function of an app's route table. Structurally the same as the apps'
 * `FunctionRoute` (functions/shared/src/function-route.ts), so the host serves any app's table.
 */
export interface HostedRoute {
  name: string;
  methods: HttpMethod[];
  route: string;
  authLevel: 'anonymous' | 'function' | 'admin';
  handler: HttpHandler;
}

/** What an app factory returns: `{ routes, close }`. */
export interface HostedApp {
  routes: HostedRoute[];
  close(): Promise<void>;
}

export type SettingsSource = (name: string) => string | undefined;
