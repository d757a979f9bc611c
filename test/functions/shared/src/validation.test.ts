import { expect } from 'chai';
import { patientApiValidator } from '../../../../functions/patient-api/src/app';
import { HttpProblem } from '../../../../functions/shared/src/problem';

const validator = patientApiValidator();
const patient = { firstName: 'Ada', gender: 'female', dateOfBirth: '1815-12', postCode: 'N1 9GU' };

function errorsOf(schema: string, value: unknown): { path: string; message: string }[] {
  try {
    validator.check(schema, value);
  } catch (error) {
    expect(error).to.be.instanceOf(HttpProblem);
    expect((error as HttpProblem).kind).to.equal('validation');
    return (error as HttpProblem).options.errors ?? [];
  }
  throw new Error('expected a validation problem');
}

describe('schema validation from the OpenAPI document', () => {
  it('accepts a valid patient and a valid test result', () => {
    expect(validator.check('PatientCreate', patient)).to.deep.equal(patient);
    validator.check('TestResultCreate', { observations: [{ code: 'HbA1c', issued: '2026-01-01T10:00:00Z', status: 'final' }] });
    // Observation status is free text, as the reference implementation's clients send it.
    validator.check('TestResultCreate', { observations: [{ code: 'HbA1c', status: 'QWERTY' }] });
  });

  it('rejects an object where a scalar is declared, so no query operator gets through', () => {
    expect(errorsOf('PatientCreate', { ...patient, postCode: { $ne: null } })).to.deep.include({ path: '/postCode', message: 'must be string' });
    expect(errorsOf('PatientSearch', { lastName: { $regex: '.*' } })).to.deep.include({ path: '/lastName', message: 'must be string' });
    expect(errorsOf('PatientSearch', { id: ['a'] }).map((error) => error.path)).to.include('/id');
  });

  it('rejects unknown fields, naming them', () => {
    expect(errorsOf('PatientCreate', { ...patient, nhsNumber: '1' })).to.deep.include({ path: '/nhsNumber', message: 'is not an allowed field' });
  });

  it('checks partial dates: real, not in the future', () => {
    const nextYear = String(new Date().getUTCFullYear() + 1);
    expect(errorsOf('PatientCreate', { ...patient, dateOfBirth: nextYear }).map((error) => error.path)).to.deep.equal(['/dateOfBirth']);
    expect(errorsOf('PatientCreate', { ...patient, dateOfBirth: '2023-02-29' }).map((error) => error.path)).to.deep.equal(['/dateOfBirth']);
    validator.check('PatientCreate', { ...patient, dateOfBirth: '1980' });
  });

  it('accepts only canonical UUIDs (no urn: prefix, no braces)', () => {
    validator.check('PatientSearch', { id: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    expect(errorsOf('PatientSearch', { id: 'urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e' }).map((error) => error.path)).to.deep.equal(['/id']);
  });

  it('takes an empty search (every patient, a page at a time, as the reference\'s clients send it) and bounds the page size', () => {
    expect(validator.check('PatientSearch', {})).to.deep.equal({});
    expect(validator.check('PatientSearch', { limit: 100 })).to.deep.equal({ limit: 100 });
    expect(errorsOf('PatientSearch', { lastName: 'X', limit: 101 }).map((error) => error.path)).to.deep.equal(['/limit']);
    expect(errorsOf('PatientSearch', { lastName: 'X', limit: 1.5 }).map((error) => error.path)).to.deep.equal(['/limit']);
  });

  it('never echoes the offending values', () => {
    const errors = errorsOf('PatientCreate', { ...patient, firstName: 'x'.repeat(65), gender: 'secret-value' });
    expect(JSON.stringify(errors)).to.not.include('secret-value').and.not.include('xxxxx');
  });
});
