/**
 * The synthetic patient `verify` writes through the gateway. The contract admits no field of its
 * own (PatientCreate has additionalProperties: false), so the record is recognisable by its values:
 * first name `verify-probe`, the date of birth 1900-01-01, the postcode ZZ99 9ZZ (a form no real
 * UK postcode takes) and, as last name, the run that wrote it. verify deletes it at once; its audit
 * rows stay, as every audit row does.
 */
export const PROBE_PATIENT_MARK = { firstName: 'verify-probe', dateOfBirth: '1900-01-01', postCode: 'ZZ99 9ZZ', gender: 'unknown' } as const;

export function probePatient(runId: string): typeof PROBE_PATIENT_MARK & { lastName: string } {
  return { ...PROBE_PATIENT_MARK, lastName: `run-${runId}` };
}

/** Whether a patient record is one verify wrote (and failed to delete, if it is still there). */
export function isProbePatient(record: Record<string, unknown>): boolean {
  return Object.entries(PROBE_PATIENT_MARK).every(([key, value]) => record[key] === value) && typeof record.lastName === 'string' && record.lastName.startsWith('run-');
}
