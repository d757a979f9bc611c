import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startGateway, type Gateway, type GatewayConfig } from '../../../twin/gateway/gateway-server';
import type { FunctionHost } from '../../../twin/function-host/function-host-server';
import { SecretManager } from '../../../twin/function-host/secret-manager';
import { MemoryKeysStorage } from '../../../twin/secrets/keys-storage';
import { echoFunctionNames, startEchoHost } from '../fixtures/echo-host';
import { silentLogger } from '../support';
import { send } from '../../support/http';

const contracts = join(__dirname, '..', '..', '..', 'contracts');
const openApi = JSON.parse(readFileSync(join(contracts, 'patient-api.openapi.json'), 'utf8')) as GatewayConfig['openApi'];
const policyXml = readFileSync(join(contracts, 'apim-policy.xml'), 'utf8');
const hostKey = 'patient-host-key-0123456789';
const subscriptions = [
  { id: 'consumer', name: 'Consumer', product: 'consumers', primaryKey: 'consumer-key', secondaryKey: 'consumer-key-2' },
  { id: 'compliance', name: 'Compliance', product: 'compliance', primaryKey: 'compliance-key', secondaryKey: 'compliance-key-2' },
];

interface Echo {
  name: string;
  headers: Record<string, string>;
  params: Record<string, string>;
  query: Record<string, string>;
}

describe('gateway (APIM twin) in front of a function host', () => {
  let backend: FunctionHost;
  let gateway: Gateway;
  let url: string;
  const config = (overrides: Partial<GatewayConfig> = {}): GatewayConfig => ({
    host: '127.0.0.1',
    port: 0,
    outboundAddress: '127.0.1.1',
    policyXml,
    openApi,
    backends: { 'patient-api': `http://127.0.2.1:${backend.port}/api` },
    namedValues: { 'patient-api-host-key': hostKey },
    subscriptions,
    ...overrides,
  });

  before(async () => {
    const keys = new SecretManager(new MemoryKeysStorage(), await echoFunctionNames());
    keys.setHostKey('functionKeys', 'caller-a', hostKey);
    backend = await startEchoHost({ host: '127.0.2.1', allowed: ['127.0.1.0/24'], keys });
    gateway = await startGateway(config(), silentLogger());
    url = `http://127.0.0.1:${gateway.port}`;
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('answers APIM\'s 401 bodies for a missing and an invalid key', async () => {
    const missing = await send(`${url}/patient/search`, { method: 'POST' });
    expect(missing.status).to.equal(401);
    expect(missing.json()).to.deep.equal({ statusCode: 401, message: 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.' });
    const invalid = await send(`${url}/patient/search`, { method: 'POST', headers: { 'ocp-apim-subscription-key': 'wrong' } });
    expect(invalid.status).to.equal(401);
    expect(invalid.json()).to.deep.equal({ statusCode: 401, message: 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.' });
  });

  it('answers APIM\'s 404 for a route the OpenAPI file does not have', async () => {
    const reply = await send(`${url}/patients`, { headers: { 'ocp-apim-subscription-key': 'consumer-key' } });
    expect(reply.status).to.equal(404);
    expect(reply.json()).to.deep.equal({ statusCode: 404, message: 'Resource not found' });
  });

  it('forwards with the policy\'s headers, from the APIM subnet, without the client\'s key', async () => {
    const reply = await send(`${url}/patient/p-9?subscription-key=consumer-key&view=full`, { headers: { 'x-functions-key': 'client-forged', 'x-forwarded-for': '10.9.9.9' } });
    expect(reply.status).to.equal(200);
    const echo = reply.json<Echo>();
    expect(echo.name).to.equal('load');
    expect(echo.params).to.deep.equal({ patientId: 'p-9' });
    expect(echo.query).to.deep.equal({ view: 'full' });
    expect(echo.headers['x-functions-key']).to.equal(hostKey);
    expect(echo.headers['x-apim-subscription-id']).to.equal('consumer');
    expect(echo.headers['x-forwarded-for']).to.equal('127.0.0.1');
    expect(echo.headers).not.to.have.property('ocp-apim-subscription-key');
  });

  it('removes platform headers from responses', async () => {
    const reply = await send(`${url}/patient/p-9`, { headers: { 'ocp-apim-subscription-key': 'consumer-key' } });
    expect(reply.headers).not.to.have.property('server');
    expect(reply.headers).not.to.have.property('x-powered-by');
    expect(reply.headers['x-echo']).to.equal('load');
  });

  it('continues the client\'s trace, or starts one', async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const continued = (await send(`${url}/patient/p`, { headers: { 'ocp-apim-subscription-key': 'consumer-key', traceparent: incoming } })).json<Echo>();
    expect(continued.headers.traceparent).to.match(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(continued.headers.traceparent).not.to.equal(incoming);
    const started = (await send(`${url}/patient/p`, { headers: { 'ocp-apim-subscription-key': 'consumer-key' } })).json<Echo>();
    expect(started.headers.traceparent).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('serves the compliance API only to the compliance product, without its URL suffix at the backend', async () => {
    expect((await send(`${url}/compliance/patient/p/audit`, { headers: { 'ocp-apim-subscription-key': 'consumer-key' } })).status).to.equal(401);
    const allowed = await send(`${url}/compliance/patient/p/audit`, { headers: { 'ocp-apim-subscription-key': 'compliance-key' } });
    expect(allowed.status).to.equal(200);
    expect(allowed.json<Echo>().name).to.equal('audit');
    expect((await send(`${url}/patient/p/audit`, { headers: { 'ocp-apim-subscription-key': 'compliance-key' } })).status).to.equal(404);
  });

  it('uses a refreshed named value for the next request', async () => {
    gateway.setNamedValue('patient-api-host-key', 'not-the-key');
    expect((await send(`${url}/patient/p`, { headers: { 'ocp-apim-subscription-key': 'consumer-key' } })).status).to.equal(401);
    gateway.setNamedValue('patient-api-host-key', hostKey);
    expect((await send(`${url}/patient/p`, { headers: { 'ocp-apim-subscription-key': 'consumer-key' } })).status).to.equal(200);
  });

  it('refuses to start with a policy that uses a named value or backend that does not exist', async () => {
    let error: Error | undefined;
    await startGateway(config({ namedValues: {} }), silentLogger()).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/named value "patient-api-host-key"/);
    await startGateway(config({ backends: {} }), silentLogger()).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/backend "patient-api"/);
  });

  describe('backend failures', () => {
    let silent: Server;
    let failing: Gateway;
    before(async () => {
      silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.2.1', resolve));
      failing = await startGateway(
        config({
          policyXml: policyXml.replace('<forward-request timeout="20" />', '<forward-request timeout="1" />'),
          backends: { 'patient-api': `http://127.0.2.1:${(silent.address() as AddressInfo).port}/api` },
        }),
        silentLogger(),
      );
    });
    after(async () => {
      await failing.close();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('answers 504 when the backend does not answer within the forward-request timeout', async () => {
      const started = Date.now();
      const reply = await send(`http://127.0.0.1:${failing.port}/patient/p`, { headers: { 'ocp-apim-subscription-key': 'consumer-key' } });
      expect(reply.status).to.equal(504);
      expect(reply.json()).to.have.property('statusCode', 504);
      expect(Date.now() - started).to.be.within(900, 3000);
    });

    it('answers 503 when nothing listens at the backend', async () => {
      const dead = await startGateway(config({ backends: { 'patient-api': 'http://127.0.2.1:1/api' } }), silentLogger());
      try {
        const reply = await send(`http://127.0.0.1:${dead.port}/patient/p`, { headers: { 'ocp-apim-subscription-key': 'consumer-key' } });
        expect(reply.status).to.equal(503);
        expect(reply.json()).to.have.property('statusCode', 503);
      } finally {
        await dead.close();
      }
    });
  });
});
