import type { MongoClientOptions } from 'mongodb';
import { AUDIT_API_SETTINGS } from '../../../contracts/app-settings';
import { AUDIT_DATABASE } from '../../../contracts/collections';
import { checkDatabase } from '../../shared/src/database-check';
import { systemClock, type Clock } from '../../shared/src/clock';
import { DatabaseOperations } from '../../shared/src/database-operations';
import type { FunctionRoute } from '../../shared/src/function-route';
import { createEndpoint } from '../../shared/src/http-endpoint';
import { randomId, type IdGenerator } from '../../shared/src/ids';
import { MongoConnection } from '../../shared/src/mongo-connection';
import { createRequestLog, type RequestLog } from '../../shared/src/request-log';
import { settingOrDefault, type SettingsSource } from '../../shared/src/settings';
import { createTelemetry, type Telemetry } from '../../shared/src/telemetry';
import type { RetryPolicy } from '../../shared/src/throttle-retry';
import { SchemaValidator } from '../../shared/src/validation';
import { createAuditHandlers } from './audit-handlers';
import { AUDIT_SCHEMAS } from './audit-record';
import { createAuditStore } from './audit-store';

export interface AuditApiApp {
  routes: FunctionRoute[];
  /** Connects and checks the database has the declared collections and indexes, logging the outcome; true when ready. */
  checkDatabase(): Promise<boolean>;
  close(): Promise<void>;
}

/** Replaceable parts, for tests and benchmarks; production uses the defaults. */
export interface AuditApiOptions {
  clock?: Clock;
  newId?: IdGenerator;
  telemetry?: Telemetry;
  log?: RequestLog;
  mongoClientOptions?: MongoClientOptions;
  retryPolicy?: RetryPolicy;
}

/**
 * The Audit API: append-only register of every access to patient data. Only create and
 * read-by-resource exist; there is deliberately no route that changes or removes a record.
 */
export function createAuditApiApp(settings: SettingsSource, options: AuditApiOptions = {}): AuditApiApp {
  const dbName = settingOrDefault(settings, AUDIT_API_SETTINGS.databaseName, AUDIT_DATABASE.name);
  const clock = options.clock ?? systemClock;
  const telemetry = options.telemetry ?? createTelemetry(settings);
  const log = options.log ?? createRequestLog();
  const connection = new MongoConnection({
    uri: () => settings(AUDIT_API_SETTINGS.databaseConnection),
    uriSettingName: AUDIT_API_SETTINGS.databaseConnection,
    dbName,
    clientOptions: options.mongoClientOptions,
    prepare: checkDatabase({ ...AUDIT_DATABASE, name: dbName }),
  });
  const operations = new DatabaseOperations({ connection, telemetry, clock, target: dbName, policy: options.retryPolicy });
  const handlers = createAuditHandlers({
    store: createAuditStore(operations),
    clock,
    newId: options.newId ?? randomId,
    validator: new SchemaValidator(AUDIT_SCHEMAS),
  });
  const endpoints = { telemetry, log };
  const routes: FunctionRoute[] = [
    {
      name: 'createAuditRecord',
      methods: ['POST'],
      route: 'auditrecord',
      authLevel: 'function',
      handler: createEndpoint(endpoints, { operation: 'createAuditRecord', route: 'auditrecord' }, handlers.createAuditRecord),
    },
    {
      name: 'createAuditRecords',
      methods: ['POST'],
      route: 'auditrecords',
      authLevel: 'function',
      handler: createEndpoint(endpoints, { operation: 'createAuditRecords', route: 'auditrecords' }, handlers.createAuditRecords),
    },
    {
      name: 'listAuditRecords',
      methods: ['GET'],
      route: 'auditrecord',
      authLevel: 'function',
      handler: createEndpoint(endpoints, { operation: 'listAuditRecords', route: 'auditrecord' }, handlers.listAuditRecords),
    },
  ];
  return { routes, checkDatabase: () => connection.check(dbName, log), close: () => connection.close() };
}
