/** The Patient API's resources as clients see them (contracts/patient-api.openapi.json). */

export const PATIENT_STRING_FIELDS = ['firstName', 'lastName', 'fullName', 'gender', 'dateOfBirth', 'postCode', 'insuranceNumber', 'preferredContactNumber'] as const;

export type PatientStringField = (typeof PATIENT_STRING_FIELDS)[number];

export type PatientFields = { firstName: string; gender: string; dateOfBirth: string; postCode: string } & Partial<Record<PatientStringField, string>>;

export type Patient = PatientFields & { id: string; lastUpdated: string };

export interface Observation {
  id?: string;
  code: string;
  measurement?: string;
  interpretation?: string;
  issued?: string;
  status?: string;
}

export interface TestResultFields {
  performer?: string;
  orderReference?: string;
  observations: Observation[];
}

export type TestResult = TestResultFields & { id: string; patientId: string; lastUpdated: string };

export type PatientSearch = Partial<Record<PatientStringField | 'id' | 'dateOfBirthFrom' | 'dateOfBirthTo', string>> & {
  limit?: number;
  continuationToken?: string;
};

/** A resource with the version token its ETag is made of. */
export interface Versioned<T> {
  resource: T;
  version: string;
}

export function pickPatientFields(body: Record<string, unknown>): PatientFields {
  const fields: Record<string, string> = {};
  for (const name of PATIENT_STRING_FIELDS) {
    const value = body[name];
    if (typeof value === 'string') fields[name] = value;
  }
  return fields as PatientFields;
}

export function pickTestResultFields(body: TestResultFields): TestResultFields {
  const fields: TestResultFields = { observations: body.observations.map((observation) => ({ ...observation })) };
  if (body.performer !== undefined) fields.performer = body.performer;
  if (body.orderReference !== undefined) fields.orderReference = body.orderReference;
  return fields;
}
