import { expect } from 'chai';
import type { FunctionHost } from '../../../twin/function-host/function-host-server';
import { SecretManager } from '../../../twin/function-host/secret-manager';
import { MemoryKeysStorage } from '../../../twin/secrets/keys-storage';
import { send } from '../../support/http';
import { echoFunctionNames, startEchoHost } from '../fixtures/echo-host';

describe('function host', () => {
  let host: FunctionHost;
  let base: string;
  let keys: SecretManager;
  const key = 'caller-a-key-0123456789';
  const fromApim = { localAddress: '127.0.1.7' };
  const search = (headers: Record<string, string>, query = '') =>
    send(`${base}/patient/search${query}`, { method: 'POST', headers, ...fromApim }).then((reply) => reply.status);

  before(async () => {
    process.env.ECHO_SETTING = 'configured';
    keys = new SecretManager(new MemoryKeysStorage(), await echoFunctionNames());
    keys.setHostKey('functionKeys', 'caller-a', key);
    host = await startEchoHost({ host: '127.0.2.1', allowed: ['127.0.1.0/24'], keys, maxRequestBodyBytes: 1024 });
    base = `http://127.0.2.1:${host.port}/api`;
  });
  after(async () => {
    delete process.env.ECHO_SETTING;
    await host.close();
  });

  it('answers 403 with App Service\'s page to a source outside the allowed ranges', async () => {
    const reply = await send(`${base}/patient/search`, { method: 'POST', headers: { 'x-functions-key': key } });
    expect(reply.status).to.equal(403);
    expect(reply.headers['content-type']).to.equal('text/html');
    expect(reply.text).to.contain('Error 403 - Forbidden');
  });

  it('answers 401 without a body to a missing or wrong function key', async () => {
    const missing = await send(`${base}/patient/search`, { method: 'POST', ...fromApim });
    const wrong = await send(`${base}/patient/search`, { method: 'POST', headers: { 'x-functions-key': 'wrong' }, ...fromApim });
    expect([missing.status, missing.text, wrong.status, wrong.text]).to.deep.equal([401, '', 401, '']);
  });

  it('accepts the key in the header or in the code query parameter', async () => {
    expect((await send(`${base}/patient/search`, { method: 'POST', headers: { 'x-functions-key': key }, ...fromApim })).status).to.equal(200);
    expect((await send(`${base}/patient/search?code=${key}`, { method: 'POST', ...fromApim })).status).to.equal(200);
  });

  it('reads a body only when the request announces one (Content-Length > 0), as the host does without streaming; 413 past the limit', async () => {
    const announced = await send(`${base}/patient/search`, { method: 'POST', headers: { 'x-functions-key': key, 'content-length': '7' }, body: '{"a":1}', ...fromApim });
    expect(announced.json()).to.deep.include({ body: '{"a":1}' });
    const chunked = await send(`${base}/patient/search`, { method: 'POST', headers: { 'x-functions-key': key, 'transfer-encoding': 'chunked' }, body: '{"a":1}', ...fromApim });
    expect(chunked.json()).to.deep.include({ body: '' });
    const tooLarge = await send(`${base}/patient/search`, { method: 'POST', headers: { 'x-functions-key': key }, body: 'x'.repeat(1025), ...fromApim });
    expect(tooLarge.status).to.equal(413);
  });

  it('prefers literal segments and hands the handler a real HttpRequest', async () => {
    const search = await send(`${base}/patient/search`, { method: 'POST', headers: { 'x-functions-key': key, 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, body: '{"a":1}', ...fromApim });
    expect(search.json()).to.deep.include({ name: 'search', method: 'POST', body: '{"a":1}', functionName: 'search', setting: 'configured', traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    const load = await send(`${base}/patient/p-1?x=1&x=2`, { headers: { 'x-functions-key': key }, ...fromApim });
    expect(load.json()).to.deep.include({ name: 'load', params: { patientId: 'p-1' }, query: { x: '1' } });
    expect(load.headers['x-echo']).to.equal('load');
    expect(load.headers['content-type']).to.contain('application/json');
  });

  it('answers 404 for unknown routes, 405 for a known route with another method, and serves anonymous routes without a key', async () => {
    expect((await send(`${base}/nothing`, { headers: { 'x-functions-key': key }, ...fromApim })).status).to.equal(404);
    expect((await send(`http://127.0.2.1:${host.port}/patient/search`, { method: 'POST', headers: { 'x-functions-key': key }, ...fromApim })).status).to.equal(404);
    expect((await send(`${base}/patient`, { method: 'PUT', headers: { 'x-functions-key': key }, ...fromApim })).status).to.equal(405);
    expect((await send(`${base}/patient/search`, { method: 'GET', headers: { 'x-functions-key': key }, ...fromApim })).json()).to.deep.include({ name: 'load' });
    expect((await send(`${base}/health`, fromApim)).status).to.equal(200);
  });

  it('answers 500 without detail when a handler throws', async () => {
    const reply = await send(`${base}/patient/p/tests/t`, { headers: { 'x-functions-key': key }, ...fromApim });
    expect(reply.status).to.equal(500);
    expect(reply.text).to.equal('');
  });

  it('takes new host keys at once and drops revoked ones', async () => {
    keys.setHostKey('functionKeys', 'caller-b', 'caller-b-key-0123456789');
    keys.deleteHostKey('functionKeys', 'caller-a');
    expect(await search({ 'x-functions-key': 'caller-b-key-0123456789' })).to.equal(200);
    expect(await search({ 'x-functions-key': key })).to.equal(401);
    keys.setHostKey('functionKeys', 'caller-a', key);
    keys.deleteHostKey('functionKeys', 'caller-b');
  });

  it('takes the header over the code parameter: a wrong header fails even with a right code', async () => {
    expect(await search({ 'x-functions-key': 'wrong' }, `?code=${key}`)).to.equal(401);
    expect(await search({ 'x-functions-key': key }, '?code=wrong')).to.equal(200);
  });

  it("accepts the master key, the host default key and the function's own keys; refuses system keys and other functions' keys", async () => {
    const host = keys.hostSecrets();
    keys.setHostKey('systemKeys', 'extension', 'system-key-0123456789');
    keys.setFunctionKey('create', 'creator', 'create-only-0123456789');
    expect(await search({ 'x-functions-key': host.masterKey })).to.equal(200);
    expect(await search({ 'x-functions-key': host.functionKeys.default })).to.equal(200);
    expect(await search({ 'x-functions-key': keys.functionKeys('search').default })).to.equal(200);
    expect(await search({ 'x-functions-key': 'system-key-0123456789' })).to.equal(401);
    expect(await search({ 'x-functions-key': 'create-only-0123456789' })).to.equal(401);
    const create = await send(`${base}/patient`, { method: 'POST', headers: { 'x-functions-key': 'create-only-0123456789' }, ...fromApim });
    expect(create.status).to.equal(201);
  });
});
