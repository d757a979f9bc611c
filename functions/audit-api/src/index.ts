import { app } from '@azure/functions';
import { createAuditApiApp } from './app';

// The host hands the request over as a stream instead of buffering up to 100 MB first: the app
// stops reading at its own limit (64 KiB, functions/shared/src/json-body.ts).
app.setup({ enableHttpStream: true });

// One app (and so one MongoClient) per worker process, created outside the handlers.
const auditApi = createAuditApiApp((name) => process.env[name]);

for (const route of auditApi.routes) {
  app.http(route.name, { methods: route.methods, route: route.route, authLevel: route.authLevel, handler: route.handler });
}

// Connects at start and logs whether the database has what the app needs (or names what is missing).
void auditApi.checkDatabase();
