import { expect } from 'chai';
import type { CallResult } from './http';

/** A problem document of the given status and type, with nothing internal in it. */
export function expectProblem(response: CallResult, status: number, slug: string): void {
  expect(response.status, response.text).to.equal(status);
  expect(response.headers.get('content-type')).to.equal('application/problem+json');
  const body = response.json as Record<string, unknown>;
  expect(body.type).to.equal(`https://patient-records/problems/${slug}`);
  expect(body.status).to.equal(status);
  expect(body.title).to.be.a('string');
  expect(Object.keys(body)).to.satisfy((keys: string[]) => keys.every((key) => ['type', 'title', 'status', 'detail', 'errors'].includes(key)));
  expect(response.text).to.not.match(/\bat [^ ]+ \(|\.ts:\d+|node_modules|mongodb:\/\/|Mongo[A-Z]\w*Error|stack/);
}
