/**
 * The app settings each function app reads: the contract between the stack (which declares
 * them), the apps (which read them) and the local stack (which materializes them).
 */
export const PATIENT_API_SETTINGS = {
  auditApiUrl: 'AUDIT_API_URL',
  auditApiKey: 'AUDIT_API_KEY',
  auditTimeoutMs: 'AUDIT_TIMEOUT_MS',
  databaseConnection: 'PATIENTS_DB_CONNECTION',
  databaseName: 'PATIENTS_DB_NAME',
  sourceSystemName: 'SOURCE_SYSTEM_NAME',
  /** The key of the HMAC a search's values are recorded by in the audit register (a Key Vault reference). */
  searchHashKey: 'SEARCH_HASH_KEY',
} as const;

export const AUDIT_API_SETTINGS = {
  databaseConnection: 'AUDIT_DB_CONNECTION',
  databaseName: 'AUDIT_DB_NAME',
} as const;

/** Telemetry is sent only when this is set (both apps). */
export const TELEMETRY_SETTING = 'APPLICATIONINSIGHTS_CONNECTION_STRING';

/**
 * How telemetry is authenticated (both apps): `Authorization=AAD;ClientId=<client id of the app's
 * user-assigned identity>`. The Functions host reads it for its own telemetry, the apps for theirs.
 */
export const TELEMETRY_AUTHENTICATION_SETTING = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';
