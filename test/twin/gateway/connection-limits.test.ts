import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { startGateway, type Gateway, type GatewayConfig } from '../../../twin/gateway/gateway-server';
import { silentLogger } from '../support';

const contracts = join(__dirname, '..', '..', '..', 'contracts');
const config = (limits: GatewayConfig['limits']): GatewayConfig => ({
  host: '127.0.0.1',
  port: 0,
  outboundAddress: '127.0.1.1',
  policyXml: readFileSync(join(contracts, 'apim-policy.xml'), 'utf8'),
  openApi: JSON.parse(readFileSync(join(contracts, 'patient-api.openapi.json'), 'utf8')) as GatewayConfig['openApi'],
  backends: { 'patient-api': 'http://127.0.2.1:9/api' },
  namedValues: { 'patient-api-host-key': 'k' },
  subscriptions: [],
  limits,
});

function open(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, closed: new Promise((done) => socket.on('close', () => done(Date.now() - started))) }));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

describe('gateway connection limits (slow and silent clients)', function () {
  this.timeout(30_000);
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('cuts 300 silent connections once the header timeout passes', async () => {
    gateway = await startGateway(config({ headersTimeoutMs: 1_500 }), silentLogger());
    const sockets = await Promise.all(Array.from({ length: 300 }, () => open(gateway!.port)));
    const lifetimes = await Promise.all(sockets.map((s) => s.closed));
    expect(Math.max(...lifetimes), 'longest a silent connection was held (ms)').to.be.below(4_000);
  });

  it('cuts a client that trickles its headers past the header timeout', async () => {
    gateway = await startGateway(config({ headersTimeoutMs: 1_500 }), silentLogger());
    const { socket, closed } = await open(gateway.port);
    socket.write('POST /patient HTTP/1.1\r\nHost: g\r\n');
    const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
    const lifetime = await closed;
    clearInterval(trickle);
    expect(lifetime).to.be.below(4_000);
  });

  it('holds no more connections than its limit: the one over it is closed at once', async () => {
    gateway = await startGateway(config({ maxConnections: 20 }), silentLogger());
    const held = await Promise.all(Array.from({ length: 20 }, () => open(gateway!.port)));
    const extra = await open(gateway.port);
    expect(await extra.closed).to.be.below(1_000);
    for (const { socket } of held) socket.destroy();
  });
});
