import { createPatientApiApp, type PatientApiApp, type PatientApiOptions } from '../../../functions/patient-api/src/app';
import type { SettingsSource } from '../../../functions/shared/src/settings';

/** The audit deadline the fault tests run with: short, so a slow register is found out in well under a second. */
export const SHORT_AUDIT_TIMEOUT_MS = 400;

/**
 * The real Patient API with one app setting changed, AUDIT_TIMEOUT_MS (the local stack sets
 * no value for it, so the app would use its 5 s default); every other setting and the host's options pass through.
 */
export function createPatientApiAppWithShortAuditTimeout(settings: SettingsSource, options?: PatientApiOptions): PatientApiApp {
  return createPatientApiApp((name) => (name === 'AUDIT_TIMEOUT_MS' ? String(SHORT_AUDIT_TIMEOUT_MS) : settings(name)), options);
}
