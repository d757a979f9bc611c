import type { AppName, IdentityName } from './apps';

/** The Key Vault secrets. Host-key secrets are rotated by `patientctl rotate-keys`; the others are owned by the stack. */
export const SECRETS = {
  patientApiHostKey: 'patient-api-host-key',
  auditApiHostKey: 'audit-api-host-key',
  patientsDbConnection: 'patients-db-connection',
  auditDbConnection: 'audit-db-connection',
  /**
   * The key of the HMAC that records a search's values in the audit register. Owned by the
   * stack and never rotated: a new key would make the same search hash differently before and
   * after, and the register is read for exactly that correlation.
   */
  searchHashKey: 'search-hash-key',
} as const;

export type SecretName = (typeof SECRETS)[keyof typeof SECRETS];

/** The secret holding the host key an app's caller presents. */
export const HOST_KEY_SECRET: Readonly<Record<AppName, SecretName>> = {
  'patient-api': SECRETS.patientApiHostKey,
  'audit-api': SECRETS.auditApiHostKey,
};

/** Written once by the stack with a placeholder, then only by rotation. */
export const ROTATED_SECRETS: readonly SecretName[] = [SECRETS.patientApiHostKey, SECRETS.auditApiHostKey];

/** Who may read which secret: each entry is one `Key Vault Secrets User` assignment scoped to that secret. */
export const SECRET_READERS: ReadonlyArray<{ reader: IdentityName; secret: SecretName }> = [
  { reader: 'apim', secret: SECRETS.patientApiHostKey },
  { reader: 'patient-api', secret: SECRETS.auditApiHostKey },
  { reader: 'patient-api', secret: SECRETS.patientsDbConnection },
  { reader: 'patient-api', secret: SECRETS.searchHashKey },
  { reader: 'audit-api', secret: SECRETS.auditDbConnection },
];
