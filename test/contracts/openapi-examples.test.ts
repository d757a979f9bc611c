import { expect } from 'chai';
import { HttpProblem, ProblemTypes, problemResponse, problemTypeUri, type ProblemKind } from '../../functions/shared/src/problem';
import { SchemaValidator, type JsonSchema } from '../../functions/shared/src/validation';
import { APIM_ERRORS } from '../../twin/index';
import { exampleSites, examplesOf, loadContract, operations, resolve, type Node } from './openapi-walk';

/** API Management answers these itself, in its own shape (keyvault-apim-facts §12, the gateway twin). */
const GATEWAY_STATUSES = ['401', '429'];

/**
 * Each example checked against its schema by the apps' own validator (strict ajv, `uuid`,
 * `date-time` and `partial-date` as the apps define them): one validator holds the document's
 * schemas plus one entry per place an example sits.
 */
function exampleViolations(document: Node): string[] {
  const sites = exampleSites(document);
  const schemas = resolve<Record<string, JsonSchema>>(document, (document.components as Node).schemas);
  const siteSchemas = Object.fromEntries(sites.map((site, index) => [`example-site-${index}`, { allOf: [site.schema] }]));
  const validator = new SchemaValidator({ ...schemas, ...siteSchemas });
  const violations: string[] = [];
  sites.forEach((site, index) => {
    for (const example of site.examples) {
      try {
        validator.check(`example-site-${index}`, example.value);
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error;
        violations.push(`${site.where} ${example.name}: ${JSON.stringify(error.options.errors)}`);
      }
    }
  });
  return violations;
}

function problemKindOf(type: unknown): ProblemKind | undefined {
  return (Object.keys(ProblemTypes) as ProblemKind[]).find((kind) => problemTypeUri(kind) === type);
}

/** What the gateway twin sends for an APIM error with this message (429's wait is read from it). */
function gatewayBody(message: string): unknown {
  const wait = /Try again in (\d+) seconds\./.exec(message);
  const candidates = [APIM_ERRORS.missingKey(), APIM_ERRORS.invalidKey(), APIM_ERRORS.notFound(), ...(wait ? [APIM_ERRORS.rateLimited(Number(wait[1]))] : [])];
  return candidates.find((candidate) => candidate.body.message === message)?.body;
}

describe('contracts/patient-api.openapi.json examples', () => {
  const document = loadContract();
  const all = operations(document);

  it('has examples of every request body and every response body of every operation', () => {
    const missing: string[] = [];
    for (const operation of all) {
      for (const [mediaType, media] of Object.entries(operation.requestBody?.content ?? {})) {
        if (examplesOf(document, media).length === 0) missing.push(`${operation.operationId} request ${mediaType}`);
      }
      for (const [code, response] of Object.entries(operation.responses)) {
        for (const [mediaType, media] of Object.entries(response.content ?? {})) {
          if (examplesOf(document, media).length === 0) missing.push(`${operation.operationId} ${code} ${mediaType}`);
        }
      }
    }
    expect(all).to.have.length(11);
    expect(missing).to.deep.equal([]);
  });

  it('has only examples the apps would accept or send, by the schemas the apps compile', () => {
    expect(exampleSites(document).length).to.be.greaterThan(40);
    expect(exampleViolations(document)).to.deep.equal([]);
  });

  it('catches an example its schema refuses (a date of birth in the future, an APIM body without its message)', () => {
    const broken = structuredClone(document) as { components: { examples: Record<string, { value: Record<string, unknown> }> } };
    broken.components.examples.PatientAlex.value.dateOfBirth = '2999-01-01';
    delete broken.components.examples.ApimMissingKey.value.message;
    const violations = exampleViolations(broken);
    expect(violations.some((violation) => violation.includes('/dateOfBirth') && violation.includes('partial-date'))).to.equal(true);
    expect(violations.some((violation) => violation.includes("'message'"))).to.equal(true);
  });

  it('answers 401 and 429 in API Management\'s own body and every other error as a problem document', () => {
    const wrong: string[] = [];
    for (const operation of all) {
      expect(Object.keys(operation.responses), operation.operationId).to.include.members(GATEWAY_STATUSES);
      for (const [code, response] of Object.entries(operation.responses)) {
        if (Number(code) < 400) continue;
        const expected = GATEWAY_STATUSES.includes(code)
          ? { 'application/json': '#/components/schemas/ApimError' }
          : { 'application/problem+json': '#/components/schemas/Problem' };
        const actual = Object.fromEntries(Object.entries(response.content ?? {}).map(([mediaType, media]) => [mediaType, (media.schema as { $ref?: string }).$ref]));
        if (JSON.stringify(actual) !== JSON.stringify(expected)) wrong.push(`${operation.operationId} ${code}: ${JSON.stringify(actual)}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('shows problem documents exactly as the apps send them, under their own status', () => {
    const wrong: string[] = [];
    for (const operation of all) {
      for (const [code, response] of Object.entries(operation.responses)) {
        const media = response.content?.['application/problem+json'];
        if (media === undefined) continue;
        for (const { name, value } of examplesOf(document, media)) {
          const example = value as { type?: string; title?: string; status?: number };
          const kind = problemKindOf(example.type);
          const sent = kind === undefined ? undefined : (JSON.parse(problemResponse(kind).body as string) as Record<string, unknown>);
          const shown = { type: example.type, title: example.title, status: example.status };
          if (sent === undefined || JSON.stringify(shown) !== JSON.stringify(sent) || String(example.status) !== code) {
            wrong.push(`${operation.operationId} ${code} ${name}: ${JSON.stringify(shown)}`);
          }
        }
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it("shows API Management's error bodies exactly as the gateway sends them, under their own status", () => {
    const wrong: string[] = [];
    for (const operation of all) {
      for (const code of GATEWAY_STATUSES) {
        const media = operation.responses[code]?.content?.['application/json'];
        for (const { name, value } of media === undefined ? [] : examplesOf(document, media)) {
          const example = value as { statusCode?: number; message?: string };
          if (String(example.statusCode) !== code || JSON.stringify(gatewayBody(example.message ?? '')) !== JSON.stringify(example)) {
            wrong.push(`${operation.operationId} ${code} ${name}: ${JSON.stringify(example)}`);
          }
        }
      }
    }
    expect(wrong).to.deep.equal([]);
  });
});
