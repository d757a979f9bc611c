import type { HttpHandler, HttpMethod } from '@azure/functions';

/** One HTTP function of an app: the Functions entry and the local host both register from a table of these. */
export interface FunctionRoute {
  name: string;
  methods: HttpMethod[];
  route: string;
  authLevel: 'anonymous' | 'function' | 'admin';
  handler: HttpHandler;
}
