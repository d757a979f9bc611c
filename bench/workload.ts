import { randomInt } from 'node:crypto';

/** The operations the benchmark drives, each against the same fixtures on either system. */
export const OPERATIONS = ['create patient', 'load patient', 'search', 'create test result'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Target {
  /** Base URL clients call (the gateway of either system). */
  url: string;
  headers: Record<string, string>;
}

/** Patients created before the runs, so reads and test results have something to hit. */
export interface Fixtures {
  patientIds: string[];
  lastNames: string[];
}

export interface RequestShape {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  expectedStatus: number;
}

const FIXTURE_PATIENTS = 100;

export function newPatient(lastName: string): Record<string, string> {
  return { firstName: 'Bench', lastName, gender: 'unknown', dateOfBirth: '1980-02-29', postCode: 'BN1 1AA', insuranceNumber: 'INS-000001' };
}

function testResult(): Record<string, unknown> {
  return {
    performer: 'Bench Lab',
    orderReference: 'ORD-1',
    observations: [
      { id: 'obs-1', code: '718-7', measurement: '13.2 g/dL', interpretation: 'normal', issued: '2024-03-01T10:00:00Z', status: 'final' },
      { id: 'obs-2', code: '2345-7', measurement: '5.4 mmol/L', interpretation: 'normal', issued: '2024-03-01T10:00:00Z', status: 'final' },
    ],
  };
}

/** The next request of an operation; reads and test results pick a fixture patient at random. */
export function nextRequest(operation: Operation, fixtures: Fixtures): RequestShape {
  const pick = randomInt(fixtures.patientIds.length);
  switch (operation) {
    case 'create patient':
      return { method: 'POST', path: '/patient', body: JSON.stringify(newPatient('Created')), expectedStatus: 201 };
    case 'load patient':
      return { method: 'GET', path: `/patient/${fixtures.patientIds[pick]}`, expectedStatus: 200 };
    case 'search':
      return { method: 'POST', path: '/patient/search', body: JSON.stringify({ lastName: fixtures.lastNames[pick], dateOfBirthFrom: '1970', dateOfBirthTo: '1990-12-31', limit: 10 }), expectedStatus: 200 };
    case 'create test result':
      return { method: 'POST', path: `/patient/${fixtures.patientIds[pick]}/tests`, body: JSON.stringify(testResult()), expectedStatus: 201 };
  }
}

/** Creates the fixture patients through the system's gateway, each with its own last name. */
export async function createFixtures(target: Target): Promise<Fixtures> {
  const fixtures: Fixtures = { patientIds: [], lastNames: [] };
  for (let i = 0; i < FIXTURE_PATIENTS; i += 1) {
    const lastName = `Fixture-${i}`;
    const response = await fetch(`${target.url}/patient`, {
      method: 'POST',
      headers: { ...target.headers, 'content-type': 'application/json' },
      body: JSON.stringify(newPatient(lastName)),
    });
    const created = (await response.json()) as { id?: string };
    if (response.status !== 201 || typeof created.id !== 'string') throw new Error(`creating a fixture patient answered ${response.status}`);
    fixtures.patientIds.push(created.id);
    fixtures.lastNames.push(lastName);
  }
  return fixtures;
}
