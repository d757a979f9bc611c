import type { Agent } from 'node:http';
import type { MongoClientOptions } from 'mongodb';
import { PATIENT_API_SETTINGS } from '../../../contracts/app-settings';
import { PATIENTS_DATABASE } from '../../../contracts/collections';
import openApiDocument from '../../../contracts/patient-api.openapi.json';
import { checkDatabase } from '../../shared/src/database-check';
import { systemClock, type Clock } from '../../shared/src/clock';
import { DatabaseOperations } from '../../shared/src/database-operations';
import type { FunctionRoute } from '../../shared/src/function-route';
import { randomId, type IdGenerator } from '../../shared/src/ids';
import { MongoConnection } from '../../shared/src/mongo-connection';
import { createRequestLog, type RequestLog } from '../../shared/src/request-log';
import { absoluteHttpUrlSetting, positiveIntegerSetting, requireSetting, settingOrDefault, type SettingsSource } from '../../shared/src/settings';
import { createTelemetry, type Telemetry } from '../../shared/src/telemetry';
import type { RetryPolicy } from '../../shared/src/throttle-retry';
import { SchemaValidator } from '../../shared/src/validation';
import { createHttpAuditClient, type AuditClient } from './audit-client';
import { createIdempotencyStore } from './idempotency-store';
import { createPatientStore } from './patient-store';
import { createPatientRoutes } from './routes';
import { createTestResultStore } from './test-result-store';

export interface PatientApiApp {
  routes: FunctionRoute[];
  /** Connects and checks the database has the declared collections and indexes, logging the outcome; true when ready. */
  checkDatabase(): Promise<boolean>;
  close(): Promise<void>;
}

/** Replaceable parts, for tests and benchmarks; production uses the defaults. */
export interface PatientApiOptions {
  clock?: Clock;
  newId?: IdGenerator;
  telemetry?: Telemetry;
  log?: RequestLog;
  auditClient?: AuditClient;
  /** Connections to the Audit API (e.g. bound to the host's outbound address); default: the client's own keep-alive agent. */
  auditAgent?: Agent;
  mongoClientOptions?: MongoClientOptions;
  retryPolicy?: RetryPolicy;
  idempotencyWaitMs?: number;
}

/** Compiled once per process from the OpenAPI document's schemas. */
let sharedValidator: SchemaValidator | undefined;

export function patientApiValidator(): SchemaValidator {
  sharedValidator ??= new SchemaValidator(openApiDocument.components.schemas);
  return sharedValidator;
}

/**
 * The Patient API. Refuses to start without its audit configuration (fail closed: data is
 * never served unaudited); the database is connected on first use.
 */
export function createPatientApiApp(settings: SettingsSource, options: PatientApiOptions = {}): PatientApiApp {
  const names = PATIENT_API_SETTINGS;
  const auditBaseUrl = absoluteHttpUrlSetting(settings, names.auditApiUrl);
  requireSetting(settings, names.auditApiKey);
  // Searches are audited by a keyed hash of their values: without the key the app would audit them worse, so it does not start.
  requireSetting(settings, names.searchHashKey);
  const auditTimeoutMs = positiveIntegerSetting(settings, names.auditTimeoutMs, 5000);
  const dbName = settingOrDefault(settings, names.databaseName, PATIENTS_DATABASE.name);
  const sourceSystemName = settingOrDefault(settings, names.sourceSystemName, 'patient-api');

  const clock = options.clock ?? systemClock;
  const telemetry = options.telemetry ?? createTelemetry(settings);
  const log = options.log ?? createRequestLog();
  const connection = new MongoConnection({
    uri: () => settings(names.databaseConnection),
    uriSettingName: names.databaseConnection,
    dbName,
    clientOptions: options.mongoClientOptions,
    prepare: checkDatabase({ ...PATIENTS_DATABASE, name: dbName }),
  });
  const operations = new DatabaseOperations({ connection, telemetry, clock, target: dbName, policy: options.retryPolicy });
  const httpAudit =
    options.auditClient === undefined
      ? createHttpAuditClient({
          baseUrl: auditBaseUrl,
          apiKey: () => settings(names.auditApiKey),
          timeoutMs: auditTimeoutMs,
          sourceSystemName,
          telemetry,
          clock,
          agent: options.auditAgent,
        })
      : undefined;
  const audit: AuditClient = options.auditClient ?? httpAudit!;
  const routes = createPatientRoutes(
    {
      patients: createPatientStore(operations),
      tests: createTestResultStore(operations),
      idempotency: createIdempotencyStore(operations),
      audit,
      clock,
      newId: options.newId ?? randomId,
      validator: patientApiValidator(),
      searchHashKey: () => requireSetting(settings, names.searchHashKey),
      idempotencyWaitMs: options.idempotencyWaitMs,
    },
    { telemetry, log },
  );
  return {
    routes,
    checkDatabase: () => connection.check(dbName, log),
    close: async () => {
      httpAudit?.close();
      await connection.close();
    },
  };
}
