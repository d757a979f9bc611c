import { HttpResponse, type HttpResponseInit } from '@azure/functions';
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { writeHttpResponse } from '../../../twin/function-host/http-bridge';
import { call, type Reply } from '../support';

describe('function host response bridge', () => {
  let server: Server;
  let base: string;
  let result: HttpResponseInit | HttpResponse | undefined;

  before(async () => {
    server = createServer((_req, res) => {
      writeHttpResponse(res, result).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function answer(given: HttpResponseInit | HttpResponse | undefined): Promise<Reply> {
    result = given;
    return call(base);
  }

  /** What the same result gives when it goes through `HttpResponse`, the runtime's own conversion. */
  async function throughHttpResponse(given: HttpResponseInit): Promise<Reply> {
    return answer(new HttpResponse(given));
  }

  const essentials = (reply: Reply) => ({ status: reply.status, type: reply.headers['content-type'], length: reply.headers['content-length'], text: reply.text });

  it('writes a JSON body with the status, headers and content type HttpResponse would give it', async () => {
    const init: HttpResponseInit = { status: 201, jsonBody: { id: 'p-1', name: 'Zoë' }, headers: { ETag: '"v1"', Location: '/patient/p-1' } };
    const reply = await answer(init);
    expect(essentials(reply)).to.deep.equal(essentials(await throughHttpResponse(init)));
    expect(reply.json()).to.deep.equal({ id: 'p-1', name: 'Zoë' });
    expect(reply.headers).to.include({ etag: '"v1"', location: '/patient/p-1', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(reply.text)) });
  });

  it("keeps the handler's own content type, e.g. a problem document's", async () => {
    const init: HttpResponseInit = { status: 404, body: '{"status":404}', headers: { 'Content-Type': 'application/problem+json' } };
    const reply = await answer(init);
    expect(essentials(reply)).to.deep.equal(essentials(await throughHttpResponse(init)));
    expect(reply.headers['content-type']).to.equal('application/problem+json');
  });

  it('gives a string body text/plain and bytes no content type, as HttpResponse does', async () => {
    for (const init of [{ body: 'plain words' }, { body: new Uint8Array([1, 2, 3]) }, { status: 202 }] as HttpResponseInit[]) {
      expect(essentials(await answer(init)), JSON.stringify(init)).to.deep.equal(essentials(await throughHttpResponse(init)));
    }
    expect(essentials(await answer(undefined))).to.deep.equal({ status: 200, type: undefined, length: '0', text: '' });
  });

  it('sends no body with 204, whatever the handler gave', async () => {
    const reply = await answer({ status: 204, jsonBody: { ignored: true } });
    expect([reply.status, reply.text]).to.deep.equal([204, '']);
  });

  it('takes headers as Headers or pairs, and writes cookies', async () => {
    const reply = await answer({ headers: new Headers([['x-one', '1']]), cookies: [{ name: 'a', value: 'b', path: '/', httpOnly: true }], body: 'x' });
    expect(reply.headers).to.include({ 'x-one': '1' });
    expect(reply.headers['set-cookie']).to.deep.equal(['a=b; Path=/; HttpOnly']);
    expect((await answer({ headers: [['x-two', '2']] })).headers).to.include({ 'x-two': '2' });
  });

  it('passes other bodies (a stream) and HttpResponse objects through HttpResponse', async () => {
    const streamed = await answer({ status: 200, body: Readable.toWeb(Readable.from([Buffer.from('chunk-1 '), Buffer.from('chunk-2')])) as ReadableStream });
    expect([streamed.status, streamed.text]).to.deep.equal([200, 'chunk-1 chunk-2']);
    const native = await answer(new HttpResponse({ status: 418, jsonBody: { tea: true } }));
    expect([native.status, native.json(), native.headers['content-type']]).to.deep.equal([418, { tea: true }, 'application/json']);
  });
});
