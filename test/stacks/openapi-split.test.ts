import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../../stacks/config';
import { openApiForTag, selectOperationsByTag } from '../../stacks/openapi-split';

const contract = path.join(repositoryRoot, 'contracts', 'patient-api.openapi.json');

type Document = {
  servers?: unknown;
  tags?: Array<{ name: string }>;
  components?: unknown;
  paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
};

const methods = ['get', 'put', 'post', 'delete', 'patch'];

function operations(document: Document): string[] {
  return Object.values(document.paths)
    .flatMap((item) => Object.entries(item).filter(([key]) => methods.includes(key)).map(([, operation]) => operation.operationId ?? ''))
    .sort();
}

describe('stacks/openapi-split', () => {
  const original = JSON.parse(readFileSync(contract, 'utf8')) as Document;

  it('splits the one contract into the patients and compliance APIs without losing or duplicating an operation', () => {
    const patients = JSON.parse(openApiForTag(contract, 'patients')) as Document;
    const compliance = JSON.parse(openApiForTag(contract, 'compliance')) as Document;
    expect(operations(compliance)).to.deep.equal(['listPatientAudit']);
    expect(operations(patients)).to.not.include('listPatientAudit');
    expect([...operations(patients), ...operations(compliance)].sort()).to.deep.equal(operations(original));
    expect(Object.keys(compliance.paths)).to.deep.equal(['/patient/{patientId}/audit']);
  });

  it('keeps the schemas, drops the servers (the backend comes from the stack) and keeps only its own tag', () => {
    const patients = JSON.parse(openApiForTag(contract, 'patients')) as Document;
    expect(patients.components).to.deep.equal(original.components);
    expect(patients).to.not.have.property('servers');
    expect(patients.tags?.map((tag) => tag.name)).to.deep.equal(['patients']);
  });

  it('keeps path-level fields such as shared parameters', () => {
    const selected = selectOperationsByTag(
      { paths: { '/x/{id}': { parameters: [{ name: 'id' }], get: { tags: ['a'] }, put: { tags: ['b'] } } } },
      'a',
    );
    expect(selected.paths).to.deep.equal({ '/x/{id}': { parameters: [{ name: 'id' }], get: { tags: ['a'] } } });
  });

  it('refuses a tag no operation carries, rather than importing an empty API', () => {
    expect(() => selectOperationsByTag(original, 'billing')).to.throw(/no operation tagged 'billing'/);
  });

  it('reads the shared file without changing it', () => {
    const before = readFileSync(contract, 'utf8');
    openApiForTag(contract, 'patients');
    expect(readFileSync(contract, 'utf8')).to.equal(before);
  });
});
