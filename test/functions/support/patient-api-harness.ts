import type { Db } from 'mongodb';
import { PATIENTS_DATABASE } from '../../../contracts/collections';
import { createPatientApiApp, type PatientApiApp, type PatientApiOptions } from '../../../functions/patient-api/src/app';
import type { AuditClient, AuditedResource, AuditPage } from '../../../functions/patient-api/src/audit-client';
import type { FunctionRoute } from '../../../functions/shared/src/function-route';
import type { RequestContext } from '../../../functions/shared/src/http-endpoint';
import { HttpProblem, type ProblemKind } from '../../../functions/shared/src/problem';
import { FakeClock, RecordingLog, RecordingTelemetry, sequentialIds } from './fakes';
import type { TwinFixture } from './mongo-twin';

export interface RecordedAudit {
  resource: AuditedResource;
  context: RequestContext;
  /** Database calls the app had made when it asked for this audit: must not grow before the audit. */
  databaseCallsBefore: number;
}

/**
 * An audit client that remembers each call and how many database calls preceded it, and
 * can be told to fail the way the real one does.
 */
export class RecordingAuditClient implements AuditClient {
  readonly calls: RecordedAudit[] = [];
  failWith: ProblemKind | undefined;

  constructor(private readonly telemetry: RecordingTelemetry) {}

  record(context: RequestContext, resource: AuditedResource): Promise<void> {
    return this.recordAll(context, [resource]);
  }

  recordAll(context: RequestContext, resources: readonly AuditedResource[]): Promise<void> {
    for (const resource of resources) this.calls.push({ resource, context, databaseCallsBefore: this.telemetry.mongoCalls().length });
    if (this.failWith !== undefined) return Promise.reject(new HttpProblem(this.failWith));
    return Promise.resolve();
  }

  listForResource(): Promise<AuditPage> {
    return Promise.resolve({ records: [], continuationToken: undefined });
  }
}

export interface PatientHarness {
  app: PatientApiApp;
  routes: FunctionRoute[];
  audit: RecordingAuditClient;
  telemetry: RecordingTelemetry;
  log: RecordingLog;
  clock: FakeClock;
  db: Db;
  dbName: string;
  close(): Promise<void>;
}

let databases = 0;

/** The real Patient API app on the twin (a fresh database each time, prepared as the stack does) with a recording audit client. */
export async function patientHarness(fixture: TwinFixture, options: PatientApiOptions = {}): Promise<PatientHarness> {
  databases += 1;
  const dbName = `patients${databases}`;
  await fixture.prepare(PATIENTS_DATABASE, dbName);
  const telemetry = new RecordingTelemetry();
  const log = new RecordingLog();
  const clock = new FakeClock();
  const audit = new RecordingAuditClient(telemetry);
  const settings: Record<string, string> = {
    AUDIT_API_URL: 'http://127.0.0.1:9/api',
    AUDIT_API_KEY: 'unused-by-the-recording-client',
    PATIENTS_DB_CONNECTION: fixture.uri,
    PATIENTS_DB_NAME: dbName,
    SEARCH_HASH_KEY: SEARCH_HASH_KEY_FOR_TESTS,
  };
  const app = createPatientApiApp((name) => settings[name], { clock, telemetry, log, auditClient: audit, newId: sequentialIds(), ...options });
  return { app, routes: app.routes, audit, telemetry, log, clock, db: fixture.db(dbName), dbName, close: () => app.close() };
}

/** The search-hash key the test apps are given (in Azure a Key Vault reference). */
export const SEARCH_HASH_KEY_FOR_TESTS = 'search-hash-key-for-tests';

export const ADA = { firstName: 'Ada', lastName: 'Lovelace', gender: 'female', dateOfBirth: '1815-12-10', postCode: 'W1 1AA' };
