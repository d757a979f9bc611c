import { writeFileSync } from 'node:fs';
import { createAuditApiApp } from '../../../functions/audit-api/src/app';
import { createPatientApiApp } from '../../../functions/patient-api/src/app';
import { callRoute, type CallOptions } from '../../functions/support/http';

/**
 * Run as its own process with exactly the environment Core Tools gives its Node worker (the
 * Values of local.settings.json): builds the app as its entry does, calls one of its routes and
 * writes the status and body to a file (the app logs on stdout).
 * argv: <app> <route name> <CallOptions as JSON> <result file>
 */
const [app, route, options, resultFile] = process.argv.slice(2);
const settings = (name: string) => process.env[name];
const built = app === 'patient-api' ? createPatientApiApp(settings) : createAuditApiApp(settings);
callRoute(built.routes, route, JSON.parse(options) as CallOptions)
  .then(async (result) => {
    writeFileSync(resultFile, JSON.stringify({ status: result.status, json: result.json }));
    await built.close();
    process.exit(0);
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
