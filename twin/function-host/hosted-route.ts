import type { HttpHandler, HttpMethod } from '@azure/functions';
import type { Agent } from 'node:http';

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

/** What the host hands an app factory besides its settings; an app takes what it uses. */
export interface HostedAppOptions {
  /** Connections to the Audit API, leaving from the app's VNet integration subnet address. */
  auditAgent?: Agent;
}

export type HostedAppFactory = (settings: SettingsSource, options: HostedAppOptions) => HostedApp;
