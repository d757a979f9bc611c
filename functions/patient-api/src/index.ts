import { app } from '@azure/functions';
import { createPatientApiApp } from './app';

// One app (and so one MongoClient) per worker process, created outside the handlers.
// Missing audit settings throw here: the worker refuses to serve rather than serve unaudited.
const patientApi = createPatientApiApp((name) => process.env[name]);

for (const route of patientApi.routes) {
  app.http(route.name, { methods: route.methods, route: route.route, authLevel: route.authLevel, handler: route.handler });
}
