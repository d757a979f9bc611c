import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startGateway, type Gateway, type GatewayConfig } from '../../../twin/gateway/gateway-server';
import { silentLogger } from '../support';

const contracts = join(__dirname, '..', '..', '..', 'contracts');
const KEYS = { consumer: 'consumer-key', compliance: 'compliance-key' } as const;
const subscriptions = [
  { id: 'consumer', name: 'Consumer', product: 'consumers', primaryKey: KEYS.consumer, secondaryKey: 'consumer-key-2' },
  { id: 'compliance', name: 'Compliance', product: 'compliance', primaryKey: KEYS.compliance, secondaryKey: 'compliance-key-2' },
];

interface Planned {
  method: 'GET' | 'DELETE' | 'POST' | 'PUT';
  path: string;
  caller: keyof typeof KEYS;
  body: string;
  framing: 'length' | 'chunked' | 'none';
}

/** The contract's policy without its body rules, so chunked bodies reach the forwarding code itself. */
const POLICY = readFileSync(join(contracts, 'apim-policy.xml'), 'utf8');
const FRAMING_ONLY_POLICY = POLICY.replace(/<choose>\s*<when condition="@\(context\.Request\.Headers[\s\S]*?<\/choose>/, '').replace(/<validate-content [^>]*\/>/, '');

/** What the gateway should hand the backend for one request, or nothing when its policy refuses it. */
function expected(request: Planned, refusesChunked: boolean): { method: string; url: string; subscription: string; body: string } | undefined {
  if (request.framing === 'chunked' && refusesChunked) return undefined;
  return { method: request.method, url: `/api${request.path}`, subscription: request.caller, body: request.method === 'GET' || request.framing === 'none' ? '' : request.body };
}

function encode(request: Planned): string {
  const lines = [`${request.method} ${request.path} HTTP/1.1`, 'Host: gateway', `Ocp-Apim-Subscription-Key: ${KEYS[request.caller]}`, 'Content-Type: application/json'];
  if (request.framing === 'length') return `${[...lines, `Content-Length: ${Buffer.byteLength(request.body)}`].join('\r\n')}\r\n\r\n${request.body}`;
  if (request.framing === 'chunked') {
    const size = Buffer.byteLength(request.body).toString(16);
    return `${[...lines, 'Transfer-Encoding: chunked'].join('\r\n')}\r\n\r\n${request.body.length > 0 ? `${size}\r\n${request.body}\r\n` : ''}0\r\n\r\n`;
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Pipelines every request on one connection and reads as many answers, each by its Content-Length. */
function pipeline(port: number, requests: Planned[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(requests.map(encode).join('')));
    let buffered = Buffer.alloc(0);
    const statuses: number[] = [];
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? '0');
        if (buffered.length < end + 4 + length) return;
        statuses.push(Number(head.slice(9, 12)));
        buffered = buffered.subarray(end + 4 + length);
        if (statuses.length === requests.length) {
          socket.destroy();
          resolve(statuses);
          return;
        }
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed after ${statuses.length} of ${requests.length} answers`)));
  });
}

const id = fc.constantFrom('11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222');
const smuggled = fc.constantFrom('', '{"a":1}', 'GET /api/patient/x/audit HTTP/1.1\r\nX-Swallow: ', '0\r\n\r\nPOST /api/patient HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello');
const planned: fc.Arbitrary<Planned> = fc.oneof(
  fc.record({ method: fc.constantFrom('GET' as const, 'DELETE' as const), path: id.map((p) => `/patient/${p}`), caller: fc.constantFrom('consumer' as const, 'compliance' as const), body: smuggled, framing: fc.constantFrom('length' as const, 'chunked' as const, 'none' as const) }),
  fc.record({ method: fc.constantFrom('POST' as const), path: fc.constant('/patient'), caller: fc.constantFrom('consumer' as const, 'compliance' as const), body: smuggled, framing: fc.constantFrom('length' as const, 'chunked' as const) }),
  fc.record({ method: fc.constantFrom('PUT' as const), path: id.map((p) => `/patient/${p}`), caller: fc.constantFrom('consumer' as const, 'compliance' as const), body: smuggled, framing: fc.constantFrom('length' as const, 'chunked' as const) }),
);

describe('gateway under pipelined and keep-alive sequences (property): every forwarded request is exactly one the client framed', function () {
  this.timeout(120_000);
  let backend: Server;
  const gateways: Record<'contract' | 'framing only', Gateway> = {} as Record<'contract' | 'framing only', Gateway>;
  const seen: { method: string; url: string; subscription: string; body: string }[] = [];

  before(async () => {
    backend = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', subscription: String(req.headers['x-apim-subscription-id']), body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.2.1', resolve));
    const config: GatewayConfig = {
      host: '127.0.0.1',
      port: 0,
      outboundAddress: '127.0.1.1',
      policyXml: POLICY,
      openApi: JSON.parse(readFileSync(join(contracts, 'patient-api.openapi.json'), 'utf8')) as GatewayConfig['openApi'],
      backends: { 'patient-api': `http://127.0.2.1:${(backend.address() as AddressInfo).port}/api` },
      namedValues: { 'patient-api-host-key': 'host-key' },
      subscriptions,
    };
    gateways.contract = await startGateway(config, silentLogger());
    gateways['framing only'] = await startGateway({ ...config, policyXml: FRAMING_ONLY_POLICY }, silentLogger());
  });
  after(async () => {
    for (const gateway of Object.values(gateways)) await gateway.close();
    backend.closeAllConnections();
    await new Promise((resolve) => backend.close(resolve));
  });

  for (const policy of ['contract', 'framing only'] as const) {
    it(`holds for generated sequences, pipelined on one connection, several connections at once (${policy} policy)`, async () => {
      const refusesChunked = policy === 'contract';
      let sequences = 0;
      let requests = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(planned, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }), async (connections) => {
          seen.length = 0;
          const answers = await Promise.all(connections.map((sequence) => pipeline(gateways[policy].port, sequence)));
          sequences += connections.length;
          requests += connections.flat().length;
          for (const [c, sequence] of connections.entries()) {
            expect(answers[c]).to.deep.equal(sequence.map((r) => (r.framing === 'chunked' && refusesChunked ? 411 : 200)));
          }
          // Connections run concurrently: compare as multisets.
          const wanted = connections.flat().map((r) => expected(r, refusesChunked)).filter((e) => e !== undefined);
          expect([...seen].sort(byJson)).to.deep.equal([...wanted].sort(byJson));
        }),
        { numRuns: 150, seed: 20261201 },
      );
      console.log(`    ${sequences} connections, ${requests} requests; every forwarded request matched one the client framed`);
    });
  }
});

function byJson(a: unknown, b: unknown): number {
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : 1;
}
