import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../../stacks/config';
import { openApiForTag, selectOperationsByTag } from '../../stacks/openapi-split';

const contract = path.join(repositoryRoot, 'contracts', 'patient-api.openapi.json');

type MediaType = { schema?: unknown; examples?: Record<string, unknown> };
type Response = { $ref?: string; content?: Record<string, MediaType> };

type Document = {
  servers?: unknown;
  tags?: Array<{ name: string }>;
  components?: { schemas?: unknown; examples?: Record<string, unknown> };
  paths: Record<string, Record<string, { operationId?: string; tags?: string[]; responses?: Record<string, Response> }>>;
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
    expect(patients.components?.schemas).to.deep.equal(original.components?.schemas);
    expect(patients).to.not.have.property('servers');
    expect(patients.tags?.map((tag) => tag.name)).to.deep.equal(['patients']);
  });

  it('drops servers declared on a path or an operation too: APIM would not take them, or take one as the backend', () => {
    for (const tag of ['patients', 'compliance']) {
      expect(openApiForTag(contract, tag)).to.not.include('"servers"');
    }
    const selected = selectOperationsByTag(
      { paths: { '/x': { servers: [{ url: 'https://a' }], get: { tags: ['a'], servers: [{ url: 'https://b' }], responses: {} } } } },
      'a',
    );
    expect(selected.paths).to.deep.equal({ '/x': { get: { tags: ['a'], responses: {} } } });
  });

  it('puts the components APIM does not import (responses, parameters, headers, examples) where they are used', () => {
    for (const tag of ['patients', 'compliance']) {
      const text = openApiForTag(contract, tag);
      const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]);
      expect(refs.filter((target) => !target.startsWith('#/components/schemas/')), tag).to.deep.equal([]);
      expect(Object.keys((JSON.parse(text) as Document).components ?? {}).sort(), tag).to.deep.equal(['schemas', 'securitySchemes']);
    }
    const compliance = JSON.parse(openApiForTag(contract, 'compliance')) as Document;
    expect(original.paths['/patient/{patientId}/audit'].get.responses?.['401'].$ref).to.equal('#/components/responses/Unauthorized');
    const unauthorized = compliance.paths['/patient/{patientId}/audit'].get.responses?.['401'].content?.['application/json'];
    expect(unauthorized?.schema).to.deep.equal({ $ref: '#/components/schemas/ApimError' });
    expect(unauthorized?.examples?.missingKey).to.deep.equal(original.components?.examples?.ApimMissingKey);
  });

  it('refuses a reference to a component the document does not define', () => {
    expect(() =>
      selectOperationsByTag({ paths: { '/x': { get: { tags: ['a'], responses: { 401: { $ref: '#/components/responses/Missing' } } } } }, components: {} }, 'a'),
    ).to.throw(/#\/components\/responses\/Missing/);
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
