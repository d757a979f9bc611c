/** Key Vault secret names: the contract between the stack, `patientctl` and the local stack. */
export const secretNames = {
  patientApiHostKey: 'patient-api-host-key',
  auditApiHostKey: 'audit-api-host-key',
  patientsDbConnection: 'patients-db-connection',
  auditDbConnection: 'audit-db-connection',
} as const;

export type SecretName = (typeof secretNames)[keyof typeof secretNames];

/** Host keys are rotated by `patientctl rotate-keys`; the stack creates them once and never writes them again. */
export const rotatedSecretNames: readonly SecretName[] = [secretNames.patientApiHostKey, secretNames.auditApiHostKey];

