import { expect } from 'chai';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpAuditClient, type HttpAuditClientOptions } from '../../../../functions/patient-api/src/audit-client';
import { HttpProblem } from '../../../../functions/shared/src/problem';
import { continueTrace } from '../../../../functions/shared/src/trace-context';
import { scriptedServer, type TestServer } from '../../support/audit-server';
import { FakeClock, RecordingTelemetry } from '../../support/fakes';

describe('HTTP audit client', () => {
  let server: TestServer;
  let answer: { status: number; body: string; headers?: Record<string, string> };
  const telemetry = new RecordingTelemetry();
  const context = { trace: continueTrace('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), caller: { subscriptionId: 'sub-9', clientIp: '192.0.2.1' } };

  before(async () => {
    server = await scriptedServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body);
    });
  });
  after(async () => {
    await server.close();
  });

  const client = () =>
    createHttpAuditClient({ baseUrl: server.baseUrl, apiKey: () => 'the-key', timeoutMs: 1000, sourceSystemName: 'patient-api', telemetry, clock: new FakeClock() });

  it('posts the audit row with the key, the trace and the caller, and nothing else', async () => {
    answer = { status: 201, body: '{}' };
    await client().record(context, { type: 'patient', id: '11111111-1111-4111-8111-111111111111', operation: 'read' });
    const request = server.received[server.received.length - 1];
    expect(request.method).to.equal('POST');
    expect(request.url).to.equal('/api/auditrecord');
    expect(request.headers['x-functions-key']).to.equal('the-key');
    expect(request.headers['content-type']).to.equal('application/json');
    expect(request.headers.traceparent).to.equal(`00-0af7651916cd43dd8448eb211c80319c-${context.trace.spanId}-01`);
    expect(JSON.parse(request.body)).to.deep.equal({
      sourceSystemName: 'patient-api',
      resource: { type: 'patient', id: '11111111-1111-4111-8111-111111111111', operation: 'read' },
      caller: { subscriptionId: 'sub-9', clientIp: '192.0.2.1' },
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
    const dependency = telemetry.dependencies[telemetry.dependencies.length - 1].call;
    expect(dependency).to.include({ type: 'HTTP', name: 'POST /auditrecord', success: true, resultCode: '201' });
  });

  it('reads a resource trail, passing the continuation token both ways', async () => {
    answer = { status: 200, body: '[{"id":"a"}]', headers: { 'x-continuation-token': 'next-page' } };
    const page = await client().listForResource(context, '11111111-1111-4111-8111-111111111111', 'this-page');
    expect(page).to.deep.equal({ records: [{ id: 'a' }], continuationToken: 'next-page' });
    expect(server.received[server.received.length - 1].url).to.equal('/api/auditrecord?resourceId=11111111-1111-4111-8111-111111111111&continuationToken=this-page');
  });

  it('treats a non-array or non-JSON answer to a read as a refusal (502)', async () => {
    for (const body of ['{"records":[]}', 'not json']) {
      answer = { status: 200, body };
      let problem: unknown;
      await client()
        .listForResource(context, '11111111-1111-4111-8111-111111111111')
        .catch((error: unknown) => (problem = error));
      expect((problem as HttpProblem).kind).to.equal('auditRejected');
    }
  });

  describe('over node:http with a keep-alive agent', () => {
    const resource = { type: 'patient', id: '11111111-1111-4111-8111-111111111111', operation: 'read' } as const;

    async function failureOf(promise: Promise<unknown>): Promise<HttpProblem> {
      const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, 'the call should fail').to.be.instanceOf(HttpProblem);
      return error as HttpProblem;
    }

    /** A server that records each request's source address and local socket, answering by a script. */
    async function socketServer(answer: (req: IncomingMessage, res: ServerResponse) => void) {
      const sources: { address: string | undefined; port: number | undefined }[] = [];
      const server = createServer((req, res) => {
        sources.push({ address: req.socket.remoteAddress, port: req.socket.remotePort });
        req.resume();
        req.on('end', () => answer(req, res));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
        sources,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    }

    const clientFor = (baseUrl: string, extra: Partial<HttpAuditClientOptions> = {}) =>
      createHttpAuditClient({ baseUrl, apiKey: () => 'the-key', timeoutMs: 1000, sourceSystemName: 'patient-api', telemetry, clock: new FakeClock(), ...extra });

    it('reuses one connection for consecutive calls', async () => {
      const server = await socketServer((_req, res) => res.writeHead(201).end('{}'));
      const audit = clientFor(server.baseUrl);
      for (let i = 0; i < 3; i += 1) await audit.record(context, resource);
      expect(new Set(server.sources.map((s) => s.port)).size).to.equal(1);
      audit.close();
      await server.close();
    });

    it('connects through the agent it is given, e.g. from the app subnet address', async () => {
      const server = await socketServer((_req, res) => res.writeHead(201).end('{}'));
      const agent = new Agent({ keepAlive: true, localAddress: '127.0.0.2' });
      const audit = clientFor(server.baseUrl, { agent });
      await audit.record(context, resource);
      expect(server.sources.map((s) => s.address)).to.deep.equal(['127.0.0.2']);
      audit.close();
      await audit.record(context, resource);
      expect(server.sources).to.have.length(2);
      agent.destroy();
      await server.close();
    });

    it('gives up after timeoutMs when the body never ends: 504, recorded as a timeout', async () => {
      const server = await socketServer((_req, res) => res.writeHead(201, { 'content-length': '100' }).write('{'));
      const audit = clientFor(server.baseUrl, { timeoutMs: 150 });
      const started = performance.now();
      const problem = await failureOf(audit.record(context, resource));
      expect(problem.kind).to.equal('auditTimeout');
      expect(performance.now() - started).to.be.within(100, 900);
      expect(telemetry.dependencies[telemetry.dependencies.length - 1].call).to.include({ success: false, resultCode: 'timeout' });
      audit.close();
      await server.close();
    });

    it('a connection dropped mid-answer is unavailable (503), never a message with the key', async () => {
      const server = await socketServer((req, res) => {
        res.writeHead(201, { 'content-length': '100' }).write('{');
        setTimeout(() => req.socket.destroy(), 20);
      });
      const audit = clientFor(server.baseUrl);
      const problem = await failureOf(audit.record(context, resource));
      expect(problem.kind).to.equal('auditUnavailable');
      expect(problem.message).to.not.include('the-key');
      expect(JSON.stringify(problem)).to.not.include('the-key');
      audit.close();
      await server.close();
    });

    it('an unreachable register is unavailable (503) and a non-2xx answer is a refusal (502)', async () => {
      const server = await socketServer((_req, res) => res.writeHead(403).end('<html>forbidden</html>'));
      const refusing = clientFor(server.baseUrl);
      expect((await failureOf(refusing.record(context, resource))).kind).to.equal('auditRejected');
      expect(telemetry.dependencies[telemetry.dependencies.length - 1].call).to.include({ success: false, resultCode: '403' });
      refusing.close();
      await server.close();
      const unreachable = clientFor(server.baseUrl);
      const problem = await failureOf(unreachable.record(context, resource));
      expect(problem.kind).to.equal('auditUnavailable');
      expect(telemetry.dependencies[telemetry.dependencies.length - 1].call).to.include({ success: false, resultCode: 'unreachable' });
      unreachable.close();
    });
  });
});
