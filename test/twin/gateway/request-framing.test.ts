import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startGateway, type Gateway, type GatewayConfig } from '../../../twin/gateway/gateway-server';
import { problemResponse } from '../../../functions/shared/src/problem';
import { silentLogger } from '../support';
import { send } from '../../support/http';

const contracts = join(__dirname, '..', '..', '..', 'contracts');
const openApi = JSON.parse(readFileSync(join(contracts, 'patient-api.openapi.json'), 'utf8')) as GatewayConfig['openApi'];
const policyXml = readFileSync(join(contracts, 'apim-policy.xml'), 'utf8');
const subscriptions = [
  { id: 'attacker', name: 'Attacker', product: 'consumers', primaryKey: 'attacker-key', secondaryKey: 'attacker-key-2' },
  { id: 'compliance', name: 'Compliance', product: 'compliance', primaryKey: 'compliance-key', secondaryKey: 'compliance-key-2' },
];

interface Seen {
  method: string;
  url: string;
  subscription: string | undefined;
  clientIp: string | undefined;
  requestId: string | undefined;
  body: string;
}

/** Sends raw bytes on a fresh socket and resolves with the gateway's first whole answer (headers and Content-Length bytes of body). */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    const complete = () => {
      const end = answer.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(answer.slice(0, end));
      return end >= 0 && length !== null && answer.length >= end + 4 + Number(length[1]);
    };
    socket.on('data', (c: Buffer) => {
      answer += c.toString('latin1');
      if (complete()) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function chunked(body: string): string {
  return `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
}

/** The contract's policy without its body rules, so a chunked or oversized body reaches the forwarding code itself. */
const framingOnlyPolicy = policyXml
  .replace(/<choose>\s*<when condition="@\(context\.Request\.Headers[\s\S]*?<\/choose>/, '')
  .replace(/<validate-content [^>]*\/>/, '');

describe('gateway request framing (no request smuggling into the backend)', () => {
  let backend: Server;
  let gateway: Gateway;
  let contractGateway: Gateway;
  const seen: Seen[] = [];

  before(async () => {
    // A bare keep-alive backend that records every request it parses, as the Functions host would see them.
    backend = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          subscription: req.headers['x-apim-subscription-id'] as string | undefined,
          clientIp: req.headers['x-apim-client-ip'] as string | undefined,
          requestId: req.headers['x-apim-request-id'] as string | undefined,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.2.1', resolve));
    expect(framingOnlyPolicy).not.to.contain('&quot;Transfer-Encoding').and.not.to.contain('<validate-content ');
    const config: GatewayConfig = {
      host: '127.0.0.1',
      port: 0,
      outboundAddress: '127.0.1.1',
      policyXml: framingOnlyPolicy,
      openApi,
      backends: { 'patient-api': `http://127.0.2.1:${(backend.address() as AddressInfo).port}/api` },
      namedValues: { 'patient-api-host-key': 'host-key' },
      subscriptions,
    };
    gateway = await startGateway(config, silentLogger());
    contractGateway = await startGateway({ ...config, policyXml }, silentLogger());
  });
  beforeEach(() => (seen.length = 0));
  after(async () => {
    await gateway.close();
    await contractGateway.close();
    backend.closeAllConnections();
    await new Promise((resolve) => backend.close(resolve));
  });

  for (const method of ['GET', 'DELETE']) {
    it(`a chunked body on ${method} never becomes the next client's request on a pooled connection`, async () => {
      const smuggled = 'GET /api/patient/p-victim/audit HTTP/1.1\r\nX-Swallow: ';
      const attack = [
        `${method} /patient/p-attacker HTTP/1.1`,
        'Host: gateway',
        'Ocp-Apim-Subscription-Key: attacker-key',
        'Transfer-Encoding: chunked',
        'Connection: close',
        '',
        chunked(smuggled),
      ].join('\r\n');
      const answer = await rawExchange(gateway.port, attack);
      expect(answer).to.match(/^HTTP\/1\.1 200 /);

      const victim = await send(`http://127.0.0.1:${gateway.port}/compliance/patient/p-victim-2/audit`, { headers: { 'ocp-apim-subscription-key': 'compliance-key' } });
      expect(victim.status).to.equal(200);

      expect(seen.map(({ method: m, url, subscription }) => ({ m, url, subscription }))).to.deep.equal([
        { m: method, url: '/api/patient/p-attacker', subscription: 'attacker' },
        { m: 'GET', url: '/api/patient/p-victim-2/audit', subscription: 'compliance' },
      ]);
      // API Management drops a GET body; a DELETE body travels on, framed.
      expect(seen[0].body).to.equal(method === 'GET' ? '' : smuggled);
    });
  }

  it('forwards a chunked POST body whole, with an explicit length', async () => {
    const body = JSON.stringify({ firstName: 'Ada' });
    const answer = await rawExchange(
      gateway.port,
      ['POST /patient HTTP/1.1', 'Host: gateway', 'Ocp-Apim-Subscription-Key: attacker-key', 'Content-Type: application/json', 'Transfer-Encoding: chunked', 'Connection: close', '', chunked(body)].join('\r\n'),
    );
    expect(answer).to.match(/^HTTP\/1\.1 200 /);
    expect(seen).to.have.length(1);
    expect(seen[0].body).to.equal(body);
  });

  it('answers a body larger than the backend accepts with 413 itself, forwarding nothing', async () => {
    const answer = await rawExchange(
      gateway.port,
      ['POST /patient HTTP/1.1', 'Host: gateway', 'Ocp-Apim-Subscription-Key: attacker-key', 'Content-Type: application/json', 'Transfer-Encoding: chunked', 'Connection: close', '', chunked('x'.repeat(11 * 1024 * 1024))].join('\r\n'),
    );
    expect(answer).to.match(/^HTTP\/1\.1 413 /);
    expect(answer).to.contain('"statusCode":413');
    expect(seen).to.have.length(0);
  });

  describe('with the contract\'s policy', () => {
    it('refuses a chunked body (no Content-Length) with 411, unforwarded', async () => {
      const answer = await rawExchange(
        contractGateway.port,
        ['POST /patient HTTP/1.1', 'Host: gateway', 'Ocp-Apim-Subscription-Key: attacker-key', 'Content-Type: application/json', 'Transfer-Encoding: chunked', '', chunked('{"firstName":"Ada"}')].join('\r\n'),
      );
      expect(answer).to.match(/^HTTP\/1\.1 411 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).to.deep.equal(JSON.parse(problemResponse('lengthRequired').body as string));
      expect(seen).to.have.length(0);
    });

    it('answers a declared body over 64 KiB with the apps\' 413 problem document, without reading or forwarding it', async () => {
      const declared = 9 * 1024 * 1024;
      // Only the headers and a first slice are sent: the answer comes before the body, which is never read.
      const answer = await rawExchange(
        contractGateway.port,
        ['POST /patient HTTP/1.1', 'Host: gateway', 'Ocp-Apim-Subscription-Key: attacker-key', 'Content-Type: application/json', `Content-Length: ${declared}`, '', 'x'.repeat(1024)].join('\r\n'),
      );
      expect(answer).to.match(/^HTTP\/1\.1 413 /);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;
      expect(body).to.deep.equal(JSON.parse(problemResponse('payloadTooLarge').body as string));
      expect(seen).to.have.length(0);
    });

    it('forwards a body within the limit, framed, with the caller data the policy sets', async () => {
      const reply = await send(`http://127.0.0.1:${contractGateway.port}/patient`, {
        method: 'POST',
        headers: { 'ocp-apim-subscription-key': 'attacker-key', 'content-type': 'application/json', 'x-apim-client-ip': '6.6.6.6', 'x-apim-request-id': 'chosen' },
        body: '{"firstName":"Ada"}',
      });
      expect(reply.status).to.equal(200);
      expect(seen).to.have.length(1);
      expect(seen[0].body).to.equal('{"firstName":"Ada"}');
      // What the client sent is overridden: the address API Management saw, and its own request id.
      expect(seen[0].clientIp).to.equal('127.0.0.1');
      expect(seen[0].requestId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });
  });
});
