import { HttpRequest } from '@azure/functions';
import { expect } from 'chai';
import { readJsonBody } from '../../../../functions/shared/src/json-body';
import { HttpProblem, type ProblemKind } from '../../../../functions/shared/src/problem';

function request(body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1/api/patient',
    headers,
    body: typeof body === 'string' ? { string: body } : { bytes: body },
  });
}

async function problemOf(promise: Promise<unknown>): Promise<ProblemKind> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(HttpProblem);
    return (error as HttpProblem).kind;
  }
  throw new Error('expected a problem');
}

describe('readJsonBody', () => {
  it('returns the parsed body of an application/json request, charset utf-8 allowed', async () => {
    expect(await readJsonBody(request('{"a":[1,{"b":"c"}]}', { 'content-type': 'application/json; charset=utf-8' }))).to.deep.equal({ a: [1, { b: 'c' }] });
  });

  it('answers 413 from a Content-Length over 64 KiB before reading anything', async () => {
    expect(await problemOf(readJsonBody(request('{}', { 'content-type': 'application/json', 'content-length': String(64 * 1024 + 1) })))).to.equal('payloadTooLarge');
  });

  it('answers 413 when the bytes actually sent exceed 64 KiB, whatever the header claims', async () => {
    const big = JSON.stringify({ a: 'x'.repeat(64 * 1024) });
    expect(await problemOf(readJsonBody(request(big, { 'content-type': 'application/json', 'content-length': '10' })))).to.equal('payloadTooLarge');
    expect(await problemOf(readJsonBody(request(big)))).to.equal('payloadTooLarge');
  });

  it('accepts a body of exactly 64 KiB', async () => {
    const exact = `"${'x'.repeat(64 * 1024 - 2)}"`;
    expect(await readJsonBody(request(exact))).to.have.length(64 * 1024 - 2);
  });

  it('reads a body sent without any content type as JSON, as the reference implementation\'s clients send it', async () => {
    // Bytes, as the Functions host hands bodies over: a string body would get a text/plain type.
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(await readJsonBody(request(bytes('{"lastName":"LT"}'), {}))).to.deep.equal({ lastName: 'LT' });
    expect(await problemOf(readJsonBody(request(bytes('lastName=LT'), {})))).to.equal('malformedJson');
  });

  it('answers 415 for another content type, or a charset other than utf-8', async () => {
    expect(await problemOf(readJsonBody(request('{}', { 'content-type': 'text/plain' })))).to.equal('unsupportedMediaType');
    expect(await problemOf(readJsonBody(request('{}', { 'content-type': 'application/x-www-form-urlencoded' })))).to.equal('unsupportedMediaType');
    expect(await problemOf(readJsonBody(request('{}', { 'content-type': 'application/json; charset=latin1' })))).to.equal('unsupportedMediaType');
  });

  it('answers 400 for malformed JSON, an empty body and invalid UTF-8', async () => {
    expect(await problemOf(readJsonBody(request('{"a":')))).to.equal('malformedJson');
    expect(await problemOf(readJsonBody(request('')))).to.equal('malformedJson');
    expect(await problemOf(readJsonBody(request(new Uint8Array([0x22, 0xff, 0x22]))))).to.equal('malformedJson');
  });

  it('rejects an object that repeats a key, also when spelled with escapes or nested', async () => {
    expect(await problemOf(readJsonBody(request('{"id":"a","id":"b"}')))).to.equal('malformedJson');
    expect(await problemOf(readJsonBody(request('{"id":"a","\\u0069d":"b"}')))).to.equal('malformedJson');
    expect(await problemOf(readJsonBody(request('{"o":[{"x":1,"y":{"k":1,"k":2}}]}')))).to.equal('malformedJson');
  });

  it('allows the same key in sibling objects and keys equal to values', async () => {
    expect(await readJsonBody(request('[{"k":"k"},{"k":"k","v":"k"}]'))).to.deep.equal([{ k: 'k' }, { k: 'k', v: 'k' }]);
    expect(await readJsonBody(request('{"a":"\\"a\\"","b":{"a":1},"c":"a"}'))).to.deep.equal({ a: '"a"', b: { a: 1 }, c: 'a' });
  });
});
