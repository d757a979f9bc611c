import type { Clock } from '../../shared/src/clock';
import type { IdGenerator } from '../../shared/src/ids';
import type { SchemaValidator } from '../../shared/src/validation';
import type { AuditClient } from './audit-client';
import type { IdempotencyStore } from './idempotency-store';
import type { PatientStore } from './patient-store';
import type { TestResultStore } from './test-result-store';

/** Everything the Patient API's handlers touch, passed in so tests can swap any part. */
export interface PatientApiDeps {
  patients: PatientStore;
  tests: TestResultStore;
  idempotency: IdempotencyStore;
  audit: AuditClient;
  clock: Clock;
  newId: IdGenerator;
  validator: SchemaValidator;
  /** The key searches are recorded by (an HMAC of their values); read per search, so a refreshed setting applies at once. */
  searchHashKey: () => string;
  /** Overrides for the Idempotency-Key wait; defaults suit production. */
  idempotencyWaitMs?: number;
}
